// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract WithdrawFeesTest is BountyBoardBase {
    event FeesWithdrawn(address indexed token, address indexed recipient, uint256 amount);

    function test_WithdrawFees_SendsToRecipient() public {
        fulfilledBounty();
        uint256 fee = uint256(GOAL) * FEE_BPS / 10_000;
        vm.expectEmit(true, true, false, true, address(board));
        emit FeesWithdrawn(address(token), feeRecipient.addr, fee);
        vm.prank(carol.addr); // anyone may trigger it; the recipient is fixed
        assertEq(board.withdrawFees(address(token)), fee);
        assertEq(token.balanceOf(feeRecipient.addr), fee);
        assertEq(board.accruedFees(address(token)), 0);
    }

    function test_WithdrawFees_GoesToCurrentRecipient() public {
        fulfilledBounty();
        vm.prank(admin.addr);
        board.setFeeRecipient(carol.addr);
        uint256 before = token.balanceOf(carol.addr);
        board.withdrawFees(address(token));
        assertEq(token.balanceOf(carol.addr), before + uint256(GOAL) * FEE_BPS / 10_000);
    }

    function test_RevertWhen_NoFees() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NoFees.selector, address(token)));
        board.withdrawFees(address(token));
    }
}
