// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract RefundTest is BountyBoardBase {
    event Refunded(uint256 indexed bountyId, address indexed backer, address to, uint256 amount);

    function test_Refund_FailedBountyPaysBackAndBurns() public {
        uint256 id = failedBounty();
        uint256 before = token.balanceOf(alice.addr);
        vm.expectEmit(true, true, false, true, address(board));
        emit Refunded(id, alice.addr, alice.addr, 100e18);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 100e18);
        assertEq(token.balanceOf(alice.addr), before + 100e18);
        assertEq(board.balanceOf(alice.addr, id), 0);
        assertEq(board.totalSupply(id), 0);
        assertHeld(0);
    }

    function test_Refund_ToAnotherRecipient() public {
        uint256 id = failedBounty();
        vm.prank(alice.addr);
        board.refund(id, carol.addr);
        assertEq(token.balanceOf(carol.addr), 1_000_000e18 + 100e18);
    }

    function test_Refund_CancelledBounty() public {
        uint256 id = createBounty();
        fundAs(alice, id, 30e18);
        fundAs(bob, id, 70e18);
        vm.prank(dao.addr);
        board.cancelBounty(id);
        vm.prank(bob.addr);
        assertEq(board.refund(id, bob.addr), 70e18);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 30e18);
        assertHeld(0);
    }

    /// @dev Shares bought on the secondary market are refunded to whoever holds them.
    function test_Refund_PaysTheCurrentHolder() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        vm.prank(alice.addr);
        board.transfer(carol.addr, id, 40e18);
        vm.prank(dao.addr);
        board.cancelBounty(id);
        vm.prank(carol.addr);
        assertEq(board.refund(id, carol.addr), 40e18);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 60e18);
    }

    /// @dev A Funded bounty with nothing qualifying fails at the delivery deadline.
    function test_Refund_FundedBountyThatFailed() public {
        (uint256 id,) = scoredBounty(LOSING);
        assertTrue(finalizeWhenReady(id) == BountyBoard.Status.Failed);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 600e18);
        vm.prank(bob.addr);
        assertEq(board.refund(id, bob.addr), 400e18);
    }

    function testFuzz_Refund_EveryoneGetsExactlyWhatTheyPaid(uint256 a, uint256 b, uint256 c) public {
        a = bound(a, 1, 300e18);
        b = bound(b, 1, 300e18);
        c = bound(c, 1, 300e18);
        uint256 id = createBounty();
        fundAs(alice, id, a);
        fundAs(bob, id, b);
        fundAs(carol, id, c);
        vm.warp(fundingDeadline);
        board.finalize(id);
        vm.prank(carol.addr);
        assertEq(board.refund(id, carol.addr), c);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), a);
        vm.prank(bob.addr);
        assertEq(board.refund(id, bob.addr), b);
        assertHeld(0);
    }

    function test_RevertWhen_RefundTwice() public {
        uint256 id = failedBounty();
        vm.startPrank(alice.addr);
        board.refund(id, alice.addr);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, alice.addr)
        );
        board.refund(id, alice.addr);
        vm.stopPrank();
    }

    function test_RevertWhen_RefundToZero() public {
        uint256 id = failedBounty();
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(alice.addr);
        board.refund(id, address(0));
    }

    function test_RevertWhen_RefundWhileFunding() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        expectWrongStatus(id, BountyBoard.Status.Funding);
        vm.prank(alice.addr);
        board.refund(id, alice.addr);
    }

    function test_RevertWhen_RefundFulfilled() public {
        (uint256 id,) = fulfilledBounty();
        expectWrongStatus(id, BountyBoard.Status.Fulfilled);
        vm.prank(alice.addr);
        board.refund(id, alice.addr);
    }

    function test_RevertWhen_RefundVerifying() public {
        (uint256 id,) = verifyingBounty();
        expectWrongStatus(id, BountyBoard.Status.Verifying);
        vm.prank(alice.addr);
        board.refund(id, alice.addr);
    }

    function test_RevertWhen_RefundUnknownBounty() public {
        expectWrongStatus(5, BountyBoard.Status.None);
        vm.prank(alice.addr);
        board.refund(5, alice.addr);
    }

    function test_Refund_WorksWhilePaused() public {
        uint256 id = failedBounty();
        vm.prank(admin.addr);
        board.pause();
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 100e18);
    }
}
