// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract WithdrawPayoutTest is BountyBoardBase {
    event PayoutWithdrawn(uint256 indexed bountyId, address indexed winner, uint256 amount);

    function test_WithdrawPayout_PaysRaisedMinusFee() public {
        (uint256 id,) = fulfilledBounty();
        uint256 fee = uint256(GOAL) * FEE_BPS / 10_000;
        uint256 before = token.balanceOf(trainer1.addr);
        vm.expectEmit(true, true, false, true, address(board));
        emit PayoutWithdrawn(id, trainer1.addr, GOAL - fee);
        vm.prank(trainer1.addr);
        assertEq(board.withdrawPayout(id), GOAL - fee);
        assertEq(token.balanceOf(trainer1.addr), before + GOAL - fee);
        assertEq(board.payoutOwed(id), 0);
    }

    function test_WithdrawPayout_IncludesForfeitedBondsEvenLater() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        claimAs(trainer2, id); // trainer2 never submits
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        evaluate(sub, 90e16);
        vm.warp(deliveryDeadline);
        board.finalize(id);
        uint256 fee = uint256(GOAL) * FEE_BPS / 10_000;
        vm.prank(trainer1.addr);
        assertEq(board.withdrawPayout(id), GOAL - fee);
        board.forfeitBond(id, trainer2.addr);
        vm.prank(trainer1.addr);
        assertEq(board.withdrawPayout(id), BOND);
    }

    function test_RevertWhen_WithdrawPayoutByLoser() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_NotWinner.selector, id, trainer2.addr, trainer1.addr
            )
        );
        vm.prank(trainer2.addr);
        board.withdrawPayout(id);
    }

    function test_RevertWhen_WithdrawPayoutTwice() public {
        (uint256 id,) = fulfilledBounty();
        vm.prank(trainer1.addr);
        board.withdrawPayout(id);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, trainer1.addr)
        );
        vm.prank(trainer1.addr);
        board.withdrawPayout(id);
    }

    function test_RevertWhen_WithdrawPayoutOfFailedBounty() public {
        uint256 id = failedBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Failed
            )
        );
        vm.prank(trainer1.addr);
        board.withdrawPayout(id);
    }

    function testFuzz_WithdrawPayout_FeeMath(uint256 raised, uint16 bps) public {
        raised = bound(raised, GOAL, 900_000e18);
        bps = uint16(bound(bps, 0, 1000));
        vm.prank(admin.addr);
        board.setFee(bps);
        uint256 id = createBounty();
        fundAs(alice, id, raised);
        claimAs(trainer1, id);
        evaluate(submitAs(trainer1, id, keccak256("a")), 1e18);
        vm.warp(deliveryDeadline);
        board.finalize(id);
        vm.prank(trainer1.addr);
        uint256 paid = board.withdrawPayout(id);
        assertEq(paid + board.accruedFees(address(token)), raised);
        assertEq(board.accruedFees(address(token)), raised * bps / 10_000);
    }
}
