// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC6909 } from "@openzeppelin/contracts/interfaces/IERC6909.sol";
import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract FundTest is BountyBoardBase {
    event BountyFunded(uint256 indexed bountyId, uint256 raised);

    function test_Fund_MintsSharesAndEscrows() public {
        uint256 id = createBounty();
        uint256 before = token.balanceOf(alice.addr);
        vm.expectEmit(true, true, true, true, address(board));
        emit IERC6909.Transfer(alice.addr, address(0), alice.addr, id, 100e18);
        uint256 credited = fundAs(alice, id, 100e18);

        assertEq(credited, 100e18);
        assertEq(board.balanceOf(alice.addr, id), 100e18);
        assertEq(board.totalSupply(id), 100e18);
        assertEq(token.balanceOf(alice.addr), before - 100e18);
        assertEq(uint256(board.getBounty(id).raised), 100e18);
        assertHeld(100e18);
        assertTrue(status(id) == BountyBoard.Status.Funding);
    }

    function test_Fund_RepeatContributionAddsShares() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        fundAs(alice, id, 50e18);
        assertEq(board.balanceOf(alice.addr, id), 150e18);
    }

    function test_Fund_ReachingGoalMarksFunded() public {
        uint256 id = createBounty();
        fundAs(alice, id, 600e18);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyFunded(id, GOAL);
        fundAs(bob, id, 400e18);
        assertTrue(status(id) == BountyBoard.Status.Funded);
    }

    /// @dev Without overfunding, an amount above what the goal still needs is capped to it.
    function test_Fund_CapsAtTheGoal() public {
        uint256 id = createBounty();
        fundAs(alice, id, 900e18);
        uint256 before = token.balanceOf(bob.addr);
        assertEq(fundAs(bob, id, 500e18), 100e18);
        assertEq(token.balanceOf(bob.addr), before - 100e18);
        assertEq(board.balanceOf(bob.addr, id), 100e18);
        assertEq(uint256(board.getBounty(id).raised), GOAL);
        assertHeld(GOAL);
        assertTrue(status(id) == BountyBoard.Status.Funded);
    }

    function test_RevertWhen_FundPastTheGoal() public {
        uint256 id = fundedBounty();
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_GoalReached.selector, id, GOAL));
        fundAs(carol, id, 1e18);
    }

    function test_Fund_OverfundingContinuesUntilTheDeadline() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.allowOverfunding = true;
        uint256 id = createBounty(p);
        assertEq(fundAs(alice, id, 1500e18), 1500e18);
        assertTrue(status(id) == BountyBoard.Status.Funded);
        assertEq(fundAs(bob, id, 5e18), 5e18);
        assertEq(uint256(board.getBounty(id).raised), 1505e18);
        vm.warp(fundingDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_FundingClosed.selector, id, fundingDeadline)
        );
        fundAs(bob, id, 5e18);
    }

    function testFuzz_Fund_SharesEqualCreditedAndCapped(uint256 a, uint256 b) public {
        a = bound(a, 1, 500_000e18);
        b = bound(b, 1, 500_000e18);
        uint256 id = createBounty();
        uint256 creditedA = fundAs(alice, id, a);
        assertEq(creditedA, a < GOAL ? a : GOAL);
        if (creditedA < GOAL) {
            uint256 creditedB = fundAs(bob, id, b);
            assertEq(creditedA + creditedB, a + b < GOAL ? a + b : GOAL);
        }
        uint256 raised = board.getBounty(id).raised;
        assertEq(board.balanceOf(alice.addr, id) + board.balanceOf(bob.addr, id), raised);
        assertLte(raised, GOAL);
        assertHeld(raised);
        assertTrue(status(id) == (raised == GOAL ? BountyBoard.Status.Funded : BountyBoard.Status.Funding));
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
        expectWrongStatus(id, BountyBoard.Status.Cancelled);
        fundAs(alice, id, 1e18);
    }

    function test_RevertWhen_FundUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 7));
        fundAs(alice, 7, 1e18);
    }

    function test_RevertWhen_FundVerifyingBounty() public {
        (uint256 id,) = verifyingBounty();
        expectWrongStatus(id, BountyBoard.Status.Verifying);
        fundAs(carol, id, 1e18);
    }

    function test_RevertWhen_FundWhenTokenDelisted() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        vm.prank(admin.addr);
        board.setTokenAllowed(address(token), false);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_TokenNotAllowed.selector, address(token))
        );
        fundAs(bob, id, 100e18);
    }

    /// @dev A delisted token funds nothing more, but its bounties keep running and paying out.
    function test_DelistedToken_StillPaysOut() public {
        uint256 id = fundedBounty();
        vm.prank(admin.addr);
        board.setTokenAllowed(address(token), false);
        claimAs(trainer1, id);
        evaluate(submitAs(trainer1, id, keccak256("ckpt")), WINNING);
        finalizeWhenReady(id);
        revealEvalSet(id);
        vm.warp(block.timestamp + VERIFICATION);
        board.unlockPayout(id);
        vm.prank(trainer1.addr);
        assertEq(board.withdrawPayout(id, trainer1.addr), 975e18);
    }

    function test_RevertWhen_FundPaused() public {
        uint256 id = createBounty();
        vm.prank(admin.addr);
        board.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
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
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.allowOverfunding = true;
        uint256 id = createBounty(p);
        uint256 huge = uint256(type(uint128).max) + 1;
        vm.prank(admin.addr);
        token.mint(alice.addr, huge);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_AmountTooLarge.selector, huge));
        fundAs(alice, id, huge);
    }
}
