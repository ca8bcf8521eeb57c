// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract FinalizeTest is BountyBoardBase {
    event BountyFinalized(
        uint256 indexed bountyId,
        BountyBoard.Status status,
        uint256 winningSubmissionId,
        uint256 payout,
        uint256 fee
    );

    function test_Finalize_GoalMissedFails() public {
        uint256 id = createBounty();
        fundAs(alice, id, 1e18);
        vm.warp(fundingDeadline);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyFinalized(id, BountyBoard.Status.Failed, 0, 0, 0);
        assertTrue(board.finalize(id) == BountyBoard.Status.Failed);
    }

    function test_RevertWhen_FinalizeFundingBeforeDeadline() public {
        uint256 id = createBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_NotFinalizable.selector,
                id,
                BountyBoard.Status.Funding,
                fundingDeadline
            )
        );
        board.finalize(id);
    }

    function test_Finalize_AfterDeliveryWithWinnerFulfills() public {
        (uint256 id, uint256 sub) = scoredBounty(90e16);
        vm.warp(deliveryDeadline);
        uint256 fee = uint256(GOAL) * FEE_BPS / 10_000;
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyFinalized(id, BountyBoard.Status.Fulfilled, sub, GOAL - fee, fee);
        assertTrue(board.finalize(id) == BountyBoard.Status.Fulfilled);
        assertEq(board.accruedFees(address(token)), fee);
        assertEq(board.payoutOwed(id), GOAL - fee);
    }

    function test_Finalize_AfterDeliveryWithoutWinnerFails() public {
        uint256 id = fundedBounty();
        vm.warp(deliveryDeadline);
        assertTrue(board.finalize(id) == BountyBoard.Status.Failed);
        assertEq(board.refundable(id, alice.addr), 600e18);
    }

    function test_Finalize_EarlyOnceBestStoodForWindow() public {
        (uint256 id,) = scoredBounty(90e16);
        uint256 ready = block.timestamp + WINDOW;
        assertEq(board.finalizableAt(id), ready);
        vm.warp(ready - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_NotFinalizable.selector, id, BountyBoard.Status.Funded, ready
            )
        );
        board.finalize(id);
        vm.warp(ready);
        assertTrue(board.finalize(id) == BountyBoard.Status.Fulfilled);
    }

    function test_Finalize_NewBestRestartsWindow() public {
        (uint256 id,) = scoredBounty(85e16);
        vm.warp(block.timestamp + WINDOW / 2);
        claimAs(trainer2, id);
        uint256 better = submitAs(trainer2, id, keccak256("better"));
        evaluate(better, 95e16);
        assertEq(board.finalizableAt(id), block.timestamp + WINDOW);
    }

    function test_Finalize_PendingEvaluationBlocksEarlyFinalization() public {
        (uint256 id,) = scoredBounty(90e16);
        claimAs(trainer2, id);
        submitAs(trainer2, id, keccak256("pending"));
        vm.warp(block.timestamp + WINDOW);
        // Pending: wait for the delivery deadline plus the window (grace for the evaluator).
        assertEq(board.finalizableAt(id), uint256(deliveryDeadline) + WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_NotFinalizable.selector,
                id,
                BountyBoard.Status.Funded,
                uint256(deliveryDeadline) + WINDOW
            )
        );
        board.finalize(id);
        vm.warp(uint256(deliveryDeadline) + WINDOW);
        assertTrue(board.finalize(id) == BountyBoard.Status.Fulfilled);
    }

    function testFuzz_Finalize_NeverBeforeItIsReady(uint256 at) public {
        (uint256 id,) = scoredBounty(90e16);
        uint256 ready = board.finalizableAt(id);
        at = bound(at, block.timestamp, uint256(deliveryDeadline) + 2 * WINDOW);
        vm.warp(at);
        if (at < ready) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    BountyBoard.BountyBoard_NotFinalizable.selector, id, BountyBoard.Status.Funded, ready
                )
            );
        }
        board.finalize(id);
    }

    function test_RevertWhen_FinalizeTwice() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Fulfilled
            )
        );
        board.finalize(id);
    }

    function test_RevertWhen_FinalizeCancelled() public {
        uint256 id = createBounty();
        vm.prank(dao.addr);
        board.cancelBounty(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Cancelled
            )
        );
        board.finalize(id);
    }

    function test_RevertWhen_FinalizeUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 5));
        board.finalize(5);
    }
}
