// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice unlockPayout and withdrawPayout.
contract UnlockPayoutTest is BountyBoardBase {
    event PayoutUnlocked(uint256 indexed bountyId, uint256 winningSubmissionId, uint256 payout, uint256 fee);
    event PayoutWithdrawn(uint256 indexed bountyId, address indexed winner, address to, uint256 amount);

    function test_Unlock_AfterTheVerificationPeriodAccruesTheFee() public {
        (uint256 id, uint256 sub) = verifyingBounty();
        revealEvalSet(id);
        uint256 unlockAt = block.timestamp + VERIFICATION;
        vm.warp(unlockAt - 1);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_PayoutLocked.selector, id, unlockAt));
        board.unlockPayout(id);
        assertEq(board.accruedFees(address(token)), 0);
        assertEq(board.payoutOwed(id), 0);

        vm.warp(unlockAt);
        vm.expectEmit(true, false, false, true, address(board));
        emit PayoutUnlocked(id, sub, 975e18, 25e18);
        vm.prank(carol.addr); // anyone
        board.unlockPayout(id);
        assertTrue(status(id) == BountyBoard.Status.Fulfilled);
        assertEq(board.accruedFees(address(token)), 25e18);
        assertEq(board.payoutOwed(id), 975e18);
        assertEq(uint256(board.getBounty(id).payout), 975e18);
        assertEq(board.unlockAt(id), 0);
    }

    function testFuzz_Unlock_FeeAndPayoutAddUp(uint16 feeBps, uint128 goal) public {
        feeBps = uint16(bound(feeBps, 0, board.MAX_FEE_BPS()));
        goal = uint128(bound(goal, 1, 500_000e18));
        vm.prank(admin.addr);
        board.setFee(feeBps);
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.goal = goal;
        vm.prank(dao.addr);
        uint256 id = board.createBounty(p, feeBps);
        fundAs(alice, id, goal);
        claimAs(trainer1, id);
        evaluate(submitAs(trainer1, id, keccak256("a")), WINNING);
        finalizeWhenReady(id);
        vm.warp(block.timestamp + REVEAL);
        board.unlockPayout(id);
        uint256 fee = uint256(goal) * feeBps / 10_000;
        assertEq(board.accruedFees(address(token)), fee);
        assertEq(board.payoutOwed(id) + fee, goal);
    }

    function test_RevertWhen_UnlockWithAnOpenDispute() public {
        (uint256 id, uint256 sub) = verifyingBounty();
        revealEvalSet(id);
        uint256 d = disputeAs(disputer, sub);
        vm.warp(block.timestamp + VERIFICATION);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_DisputesOpen.selector, id, 1));
        board.unlockPayout(id);
        vm.warp(block.timestamp + ARBITRATION);
        board.expireDispute(d);
        board.unlockPayout(id);
    }

    function test_RevertWhen_UnlockNotVerifying() public {
        (uint256 id,) = scoredBounty(WINNING);
        expectWrongStatus(id, BountyBoard.Status.Funded);
        board.unlockPayout(id);
    }

    function test_RevertWhen_UnlockUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 2));
        board.unlockPayout(2);
    }

    function test_Unlock_WorksWhilePaused() public {
        (uint256 id,) = verifyingBounty();
        vm.prank(admin.addr);
        board.pause();
        vm.warp(block.timestamp + REVEAL);
        board.unlockPayout(id);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  WITHDRAW PAYOUT
    //////////////////////////////////////////////////////////////////////////*/

    function test_WithdrawPayout_PaysTheWinnerToAnyRecipient() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectEmit(true, true, false, true, address(board));
        emit PayoutWithdrawn(id, trainer1.addr, carol.addr, 975e18);
        vm.prank(trainer1.addr);
        assertEq(board.withdrawPayout(id, carol.addr), 975e18);
        assertEq(token.balanceOf(carol.addr), 1_000_000e18 + 975e18);
        assertEq(board.payoutOwed(id), 0);
        assertHeld(25e18 + BOND);
    }

    function test_RevertWhen_WithdrawPayoutTwice() public {
        (uint256 id,) = fulfilledBounty();
        vm.startPrank(trainer1.addr);
        board.withdrawPayout(id, trainer1.addr);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, trainer1.addr)
        );
        board.withdrawPayout(id, trainer1.addr);
        vm.stopPrank();
    }

    function test_RevertWhen_WithdrawPayoutByNonWinner() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_NotWinner.selector, id, trainer2.addr, trainer1.addr
            )
        );
        vm.prank(trainer2.addr);
        board.withdrawPayout(id, trainer2.addr);
    }

    function test_RevertWhen_WithdrawPayoutWhileVerifying() public {
        (uint256 id,) = verifyingBounty();
        expectWrongStatus(id, BountyBoard.Status.Verifying);
        vm.prank(trainer1.addr);
        board.withdrawPayout(id, trainer1.addr);
    }

    function test_RevertWhen_WithdrawPayoutToZero() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(trainer1.addr);
        board.withdrawPayout(id, address(0));
    }

    function test_WithdrawPayout_WorksWhilePaused() public {
        (uint256 id,) = fulfilledBounty();
        vm.prank(admin.addr);
        board.pause();
        vm.prank(trainer1.addr);
        board.withdrawPayout(id, trainer1.addr);
    }
}
