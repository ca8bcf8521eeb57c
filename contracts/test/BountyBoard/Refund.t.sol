// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract RefundTest is BountyBoardBase {
    event Refunded(uint256 indexed bountyId, address indexed backer, uint256 amount);

    function test_Refund_ReturnsContributionAndBurnsShares() public {
        uint256 id = failedBounty();
        uint256 before = token.balanceOf(alice.addr);
        vm.expectEmit(true, true, false, true, address(board));
        emit Refunded(id, alice.addr, 100e18);
        vm.prank(alice.addr);
        uint256 amount = board.refund(id);
        assertEq(amount, 100e18);
        assertEq(token.balanceOf(alice.addr), before + 100e18);
        assertEq(board.balanceOf(alice.addr, id), 0);
        assertEq(board.liabilities(address(token)), 0);
        assertEq(token.balanceOf(address(board)), 0);
    }

    function test_Refund_AfterCancel() public {
        uint256 id = createBounty();
        fundAs(alice, id, 30e18);
        fundAs(bob, id, 20e18);
        vm.prank(dao.addr);
        board.cancelBounty(id);
        vm.prank(bob.addr);
        assertEq(board.refund(id), 20e18);
        vm.prank(alice.addr);
        assertEq(board.refund(id), 30e18);
    }

    function test_Refund_WhenNothingQualified() public {
        (uint256 id,) = scoredBounty(10e16); // below the 0.80 target
        vm.warp(deliveryDeadline);
        board.finalize(id);
        assertTrue(status(id) == BountyBoard.Status.Failed);
        vm.prank(alice.addr);
        assertEq(board.refund(id), 600e18);
        vm.prank(bob.addr);
        assertEq(board.refund(id), 400e18);
    }

    function test_Refund_GoesToCurrentShareholder() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        vm.prank(alice.addr);
        board.transfer(carol.addr, id, 40e18);
        vm.prank(dao.addr);
        board.cancelBounty(id);
        vm.prank(carol.addr);
        assertEq(board.refund(id), 40e18);
        vm.prank(alice.addr);
        assertEq(board.refund(id), 60e18);
    }

    function test_RevertWhen_RefundTwice() public {
        uint256 id = failedBounty();
        vm.prank(alice.addr);
        board.refund(id);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, alice.addr)
        );
        vm.prank(alice.addr);
        board.refund(id);
    }

    function test_RevertWhen_RefundWhileFunding() public {
        uint256 id = createBounty();
        fundAs(alice, id, 1e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Funding
            )
        );
        vm.prank(alice.addr);
        board.refund(id);
    }

    function test_RevertWhen_RefundFulfilled() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Fulfilled
            )
        );
        vm.prank(alice.addr);
        board.refund(id);
    }

    function testFuzz_Refund_EveryBackerGetsExactlyTheirContribution(uint256 a, uint256 b, uint256 c) public {
        a = bound(a, 1, 300e18);
        b = bound(b, 1, 300e18);
        c = bound(c, 1, 300e18); // total < goal: the bounty fails
        uint256 id = createBounty();
        fundAs(alice, id, a);
        fundAs(bob, id, b);
        fundAs(carol, id, c);
        vm.warp(fundingDeadline);
        board.finalize(id);
        vm.prank(bob.addr);
        assertEq(board.refund(id), b);
        vm.prank(carol.addr);
        assertEq(board.refund(id), c);
        vm.prank(alice.addr);
        assertEq(board.refund(id), a);
        assertEq(token.balanceOf(address(board)), 0);
    }
}
