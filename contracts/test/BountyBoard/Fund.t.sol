// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract FundTest is BountyBoardBase {
    event Contributed(uint256 indexed bountyId, address indexed backer, uint256 amount, uint256 raised);
    event BountyFunded(uint256 indexed bountyId, uint256 raised);

    function test_Fund_MintsSharesAndEscrows() public {
        uint256 id = createBounty();
        uint256 before = token.balanceOf(alice.addr);
        vm.expectEmit(true, true, false, true, address(board));
        emit Contributed(id, alice.addr, 100e18, 100e18);
        uint256 credited = fundAs(alice, id, 100e18);

        assertEq(credited, 100e18);
        assertEq(board.balanceOf(alice.addr, id), 100e18);
        assertEq(token.balanceOf(address(board)), 100e18);
        assertEq(token.balanceOf(alice.addr), before - 100e18);
        assertEq(uint256(board.getBounty(id).raised), 100e18);
        assertEq(board.liabilities(address(token)), 100e18);
        assertTrue(status(id) == BountyBoard.Status.Funding);
    }

    function test_Fund_RepeatContributionAddsShares() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        fundAs(alice, id, 50e18);
        assertEq(board.balanceOf(alice.addr, id), 150e18);
        assertEq(uint256(board.getBounty(id).raised), 150e18);
    }

    function test_Fund_ReachingGoalMarksFunded() public {
        uint256 id = createBounty();
        fundAs(alice, id, 600e18);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyFunded(id, GOAL);
        fundAs(bob, id, 400e18);
        assertTrue(status(id) == BountyBoard.Status.Funded);
    }

    function test_Fund_ContinuesAfterGoalUntilDeadline() public {
        uint256 id = fundedBounty();
        fundAs(carol, id, 5e18);
        assertEq(uint256(board.getBounty(id).raised), GOAL + 5e18);
        assertTrue(status(id) == BountyBoard.Status.Funded);
    }

    function testFuzz_Fund_SharesEqualCredited(uint256 a, uint256 b) public {
        a = bound(a, 1, 500_000e18);
        b = bound(b, 1, 500_000e18);
        uint256 id = createBounty();
        fundAs(alice, id, a);
        fundAs(bob, id, b);
        assertEq(board.balanceOf(alice.addr, id) + board.balanceOf(bob.addr, id), a + b);
        assertEq(uint256(board.getBounty(id).raised), a + b);
        assertEq(token.balanceOf(address(board)), a + b);
        assertTrue(status(id) == (a + b >= GOAL ? BountyBoard.Status.Funded : BountyBoard.Status.Funding));
    }

    function test_RevertWhen_FundZero() public {
        uint256 id = createBounty();
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAmount.selector);
        fundAs(alice, id, 0);
    }

    function testFuzz_RevertWhen_FundAfterDeadline(uint256 late) public {
        uint256 id = createBounty();
        late = bound(late, fundingDeadline, type(uint64).max);
        vm.warp(late);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_FundingClosed.selector, id, fundingDeadline)
        );
        fundAs(alice, id, 1e18);
    }

    function test_RevertWhen_FundAfterCancel() public {
        uint256 id = createBounty();
        vm.prank(dao.addr);
        board.cancelBounty(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Cancelled
            )
        );
        fundAs(alice, id, 1e18);
    }

    function test_RevertWhen_FundUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 7));
        fundAs(alice, 7, 1e18);
    }

    function test_RevertWhen_FundFinalizedBounty() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Fulfilled
            )
        );
        fundAs(alice, id, 1e18);
    }

    function test_RevertWhen_FundWithoutAllowance() public {
        uint256 id = createBounty();
        vm.prank(alice.addr);
        token.approve(address(board), 0);
        vm.expectRevert();
        fundAs(alice, id, 1e18);
        assertEq(board.balanceOf(alice.addr, id), 0);
    }

    function test_RevertWhen_RaisedExceedsUint128() public {
        uint256 id = createBounty();
        uint256 huge = uint256(type(uint128).max) + 1;
        vm.prank(admin.addr);
        token.mint(alice.addr, huge);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_AmountTooLarge.selector, huge));
        fundAs(alice, id, huge);
    }
}
