// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract FinalizeTest is BountyBoardBase {
    event BountyFinalized(uint256 indexed bountyId, BountyBoard.Status status, uint256 winningSubmissionId);

    function expectNotFinalizable(uint256 id, BountyBoard.Status s, uint256 readyAt) internal {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NotFinalizable.selector, id, s, readyAt)
        );
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      FUNDING
    //////////////////////////////////////////////////////////////////////////*/

    function test_Finalize_FundingFailsAtTheFundingDeadline() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        vm.warp(fundingDeadline - 1);
        expectNotFinalizable(id, BountyBoard.Status.Funding, fundingDeadline);
        board.finalize(id);
        vm.warp(fundingDeadline);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyFinalized(id, BountyBoard.Status.Failed, 0);
        assertTrue(board.finalize(id) == BountyBoard.Status.Failed);
        assertEq(uint256(board.getBounty(id).finalizedAt), block.timestamp);
        assertEq(board.finalizableAt(id), 0);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  FUNDED: EARLY
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev A best stands and nothing is outstanding: finalizable one challenge window after the last verdict,
    /// long before the delivery deadline.
    function test_Finalize_EarlyOnceTheBestStood() public {
        (uint256 id, uint256 sub) = scoredBounty(WINNING);
        uint256 readyAt = block.timestamp + WINDOW;
        assertEq(board.finalizableAt(id), readyAt);
        assertLt(readyAt, deliveryDeadline);
        vm.warp(readyAt - 1);
        expectNotFinalizable(id, BountyBoard.Status.Funded, readyAt);
        board.finalize(id);
        vm.warp(readyAt);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyFinalized(id, BountyBoard.Status.Verifying, sub);
        assertTrue(board.finalize(id) == BountyBoard.Status.Verifying);
        assertEq(board.unlockAt(id), readyAt + REVEAL);
    }

    function testFuzz_Finalize_NeverBeforeFinalizableAt(uint256 when) public {
        (uint256 id,) = scoredBounty(WINNING);
        uint256 readyAt = board.finalizableAt(id);
        when = bound(when, block.timestamp, readyAt + 10 days);
        vm.warp(when);
        if (when < readyAt) expectNotFinalizable(id, BountyBoard.Status.Funded, readyAt);
        board.finalize(id);
    }

    /// @dev Every new verdict pushes the earliest finalization to its own challenge window.
    function test_Finalize_WaitsForTheLastVerdictsWindow() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        uint256 second = submitAs(trainer2, id, keccak256("b"));
        vm.warp(block.timestamp + 12 hours);
        evaluate(second, LOSING);
        assertEq(board.finalizableAt(id), block.timestamp + WINDOW);
    }

    /// @dev An unrevealed commit is waited for until its reveal deadline.
    function test_Finalize_WaitsForOutstandingReveals() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        vm.warp(block.timestamp + 12 hours);
        uint256 hidden = commitAs(trainer2, id, keccak256("b"));
        uint256 revealDeadline = block.timestamp + REVEAL;
        assertEq(board.finalizableAt(id), revealDeadline);
        // Revealed in time: then its evaluation is waited for.
        revealAs(trainer2, id, keccak256("b"));
        assertEq(board.finalizableAt(id), block.timestamp + EVALUATION);
        evaluate(hidden, LOSING);
        assertEq(board.finalizableAt(id), block.timestamp + WINDOW);
    }

    function test_Finalize_AnUnrevealedCommitDoesNotBlockPastItsDeadline() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        commitAs(trainer2, id, keccak256("b"));
        vm.warp(block.timestamp + REVEAL);
        assertTrue(board.finalize(id) == BountyBoard.Status.Verifying);
    }

    /// @dev A pending evaluation is waited for until its deadline; left unevaluated, it is passed over.
    function test_Finalize_WaitsForOutstandingEvaluations() public {
        (uint256 id, uint256 sub) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        vm.warp(block.timestamp + 1 hours);
        submitAs(trainer2, id, keccak256("b"));
        uint256 evaluationDeadline = block.timestamp + EVALUATION;
        assertEq(board.finalizableAt(id), evaluationDeadline);
        vm.warp(evaluationDeadline);
        board.finalize(id);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), sub);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  FUNDED: LATE
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev Without a qualifying best, finalization waits for the delivery deadline and then fails.
    function test_Finalize_NoBestFailsAtTheDeliveryDeadline() public {
        (uint256 id,) = scoredBounty(LOSING);
        assertEq(board.finalizableAt(id), deliveryDeadline);
        vm.warp(deliveryDeadline - 1);
        expectNotFinalizable(id, BountyBoard.Status.Funded, deliveryDeadline);
        board.finalize(id);
        vm.warp(deliveryDeadline);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyFinalized(id, BountyBoard.Status.Failed, 0);
        assertTrue(board.finalize(id) == BountyBoard.Status.Failed);
    }

    function test_Finalize_NobodyClaimedFails() public {
        uint256 id = fundedBounty();
        vm.warp(deliveryDeadline);
        assertTrue(board.finalize(id) == BountyBoard.Status.Failed);
    }

    /// @dev A commit just before the delivery deadline is waited for past it.
    function test_Finalize_LateCommitExtendsPastTheDeliveryDeadline() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        vm.warp(deliveryDeadline - 1);
        uint256 sub = commitAs(trainer1, id, keccak256("late"));
        assertEq(board.finalizableAt(id), deliveryDeadline - 1 + REVEAL);
        vm.warp(deliveryDeadline + 1 hours);
        revealAs(trainer1, id, keccak256("late"));
        assertEq(board.finalizableAt(id), block.timestamp + EVALUATION);
        evaluate(sub, WINNING);
        assertTrue(finalizeWhenReady(id) == BountyBoard.Status.Verifying);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     DISPUTES
    //////////////////////////////////////////////////////////////////////////*/

    function test_Finalize_BlockedByAnOpenDispute() public {
        (uint256 id, uint256 sub) = scoredBounty(WINNING);
        uint256 d = disputeAs(disputer, sub);
        assertEq(board.finalizableAt(id), 0);
        vm.warp(deliveryDeadline + 30 days);
        expectNotFinalizable(id, BountyBoard.Status.Funded, 0);
        board.finalize(id);
        board.expireDispute(d);
        assertTrue(board.finalize(id) == BountyBoard.Status.Verifying);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      GUARDS
    //////////////////////////////////////////////////////////////////////////*/

    function test_RevertWhen_FinalizeTwice() public {
        (uint256 id,) = verifyingBounty();
        expectWrongStatus(id, BountyBoard.Status.Verifying);
        board.finalize(id);
    }

    function test_RevertWhen_FinalizeCancelled() public {
        uint256 id = createBounty();
        vm.prank(dao.addr);
        board.cancelBounty(id);
        expectWrongStatus(id, BountyBoard.Status.Cancelled);
        board.finalize(id);
    }

    function test_RevertWhen_FinalizeUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 12));
        board.finalize(12);
    }

    function test_Finalize_WorksWhilePaused() public {
        (uint256 id,) = scoredBounty(WINNING);
        vm.prank(admin.addr);
        board.pause();
        assertTrue(finalizeWhenReady(id) == BountyBoard.Status.Verifying);
    }
}
