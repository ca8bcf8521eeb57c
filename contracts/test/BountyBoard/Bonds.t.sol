// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice withdrawBond and forfeitBond: a bond is kept until the bounty ends (Fulfilled or Failed), then returned
/// when its trainer is unmarked and delivered (a submission scored or left unevaluated), else forfeited to the
/// backers.
contract BondsTest is BountyBoardBase {
    event BondReturned(uint256 indexed bountyId, address indexed trainer, address to, uint128 amount);
    event BondForfeited(uint256 indexed bountyId, address indexed trainer, uint128 amount);

    function expectNotReturnable(uint256 id, address trainer, BountyBoard.BondState s) internal {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_BondNotReturnable.selector, id, trainer, s)
        );
    }

    function expectNotForfeitable(uint256 id, address trainer, BountyBoard.BondState s) internal {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_BondNotForfeitable.selector, id, trainer, s)
        );
    }

    /// @dev Ends the bounty: to Fulfilled if something qualifies, else Failed.
    function end(uint256 id) internal {
        if (finalizeWhenReady(id) == BountyBoard.Status.Verifying) {
            vm.warp(block.timestamp + REVEAL);
            board.unlockPayout(id);
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      RETURNED
    //////////////////////////////////////////////////////////////////////////*/

    function test_WithdrawBond_WinnerAtTheEnd() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectEmit(true, true, false, true, address(board));
        emit BondReturned(id, trainer1.addr, carol.addr, BOND);
        vm.prank(trainer1.addr);
        board.withdrawBond(id, carol.addr);
        assertEq(token.balanceOf(carol.addr), 1_000_000e18 + BOND);
        assertTrue(bondState(id, trainer1.addr) == BountyBoard.BondState.Returned);
    }

    /// @dev Scored below target still returns the bond, here on a Failed bounty.
    function test_WithdrawBond_ScoredBelowTarget() public {
        (uint256 id,) = scoredBounty(LOSING);
        end(id);
        assertTrue(status(id) == BountyBoard.Status.Failed);
        vm.prank(trainer1.addr);
        board.withdrawBond(id, trainer1.addr);
    }

    /// @dev Left unevaluated (the evaluator missed its period): the trainer is not punished.
    function test_WithdrawBond_Unevaluated() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        submitAs(trainer2, id, keccak256("never evaluated"));
        end(id);
        vm.prank(trainer2.addr);
        board.withdrawBond(id, trainer2.addr);
        expectNotForfeitable(id, trainer2.addr, BountyBoard.BondState.Returned);
        board.forfeitBond(id, trainer2.addr);
    }

    /// @dev Kept until the end: not while Funded, nor while Verifying.
    function test_RevertWhen_WithdrawBondBeforeTheEnd() public {
        (uint256 id,) = scoredBounty(WINNING);
        expectNotReturnable(id, trainer1.addr, BountyBoard.BondState.Posted);
        vm.prank(trainer1.addr);
        board.withdrawBond(id, trainer1.addr);
        finalizeWhenReady(id);
        expectNotReturnable(id, trainer1.addr, BountyBoard.BondState.Posted);
        vm.prank(trainer1.addr);
        board.withdrawBond(id, trainer1.addr);
        expectNotForfeitable(id, trainer1.addr, BountyBoard.BondState.Posted);
        board.forfeitBond(id, trainer1.addr);
    }

    function test_RevertWhen_WithdrawBondTwice() public {
        (uint256 id,) = fulfilledBounty();
        vm.startPrank(trainer1.addr);
        board.withdrawBond(id, trainer1.addr);
        expectNotReturnable(id, trainer1.addr, BountyBoard.BondState.Returned);
        board.withdrawBond(id, trainer1.addr);
        vm.stopPrank();
    }

    function test_RevertWhen_WithdrawBondWithoutClaim() public {
        (uint256 id,) = fulfilledBounty();
        expectNotReturnable(id, carol.addr, BountyBoard.BondState.None);
        vm.prank(carol.addr);
        board.withdrawBond(id, carol.addr);
    }

    function test_RevertWhen_WithdrawBondToZero() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(trainer1.addr);
        board.withdrawBond(id, address(0));
    }

    /// @dev A zero bond is neither returnable nor forfeitable: nothing is owed either way.
    function test_ZeroBond_NothingToSettle() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.bond = 0;
        uint256 id = createBounty(p);
        fundAs(alice, id, GOAL);
        claimAs(trainer1, id);
        claimAs(trainer2, id);
        evaluate(submitAs(trainer1, id, keccak256("a")), WINNING);
        end(id);
        expectNotReturnable(id, trainer1.addr, BountyBoard.BondState.Posted);
        vm.prank(trainer1.addr);
        board.withdrawBond(id, trainer1.addr);
        expectNotForfeitable(id, trainer2.addr, BountyBoard.BondState.Posted);
        board.forfeitBond(id, trainer2.addr);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     FORFEITED
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev Claimed and never committed: forfeited to the backers pro rata.
    function test_ForfeitBond_NoSubmissionGoesToTheBackers() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        end(id);
        expectNotReturnable(id, trainer2.addr, BountyBoard.BondState.Posted);
        vm.prank(trainer2.addr);
        board.withdrawBond(id, trainer2.addr);
        vm.expectEmit(true, true, false, true, address(board));
        emit BondForfeited(id, trainer2.addr, BOND);
        vm.prank(carol.addr); // anyone
        board.forfeitBond(id, trainer2.addr);
        assertTrue(bondState(id, trainer2.addr) == BountyBoard.BondState.Forfeited);
        assertEq(board.claimableRevenue(id, alice.addr), 6e18);
        assertEq(board.claimableRevenue(id, bob.addr), 4e18);
        assertEq(board.payoutOwed(id), 975e18); // never to the winner or the platform
        assertEq(board.accruedFees(address(token)), 25e18);
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id, alice.addr), 6e18);
    }

    function test_ForfeitBond_CommittedNeverRevealed() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        commitAs(trainer2, id, keccak256("hidden"));
        end(id);
        board.forfeitBond(id, trainer2.addr);
    }

    /// @dev Disqualified by the evaluator for another reason (not a copy) and nothing else scored.
    function test_ForfeitBond_OnlyDisqualified() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        disqualify(submitAs(trainer2, id, keccak256("invalid")), 0);
        end(id);
        board.forfeitBond(id, trainer2.addr);
    }

    /// @dev A copy forfeits the bond even though the same trainer had another submission scored.
    function test_ForfeitBond_ACopyEvenIfAnotherScored() public {
        (uint256 id,) = scoredBounty(WINNING); // trainer1's "ckpt-1"
        claimAs(trainer2, id);
        evaluate(submitAs(trainer2, id, keccak256("own work")), LOSING);
        submitAs(trainer2, id, keccak256("ckpt-1")); // a copy of trainer1's, disqualified on reveal
        assertEq(uint256(board.getClaim(id, trainer2.addr).scored), 1);
        end(id);
        expectNotReturnable(id, trainer2.addr, BountyBoard.BondState.Posted);
        vm.prank(trainer2.addr);
        board.withdrawBond(id, trainer2.addr);
        board.forfeitBond(id, trainer2.addr);
    }

    /// @dev An evaluator-detected copy (copyOf) forfeits it too.
    function test_ForfeitBond_EvaluatorDetectedCopy() public {
        (uint256 id, uint256 sub) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        evaluate(submitAs(trainer2, id, keccak256("own work")), LOSING);
        disqualify(submitAs(trainer2, id, keccak256("re-exported")), sub);
        end(id);
        board.forfeitBond(id, trainer2.addr);
    }

    /// @dev Disqualified by an upheld dispute, even if another submission scored: the rest (half) is forfeit.
    function test_ForfeitBond_UpheldDisputeEvenIfAnotherScored() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        evaluate(submitAs(trainer2, id, keccak256("own work")), LOSING);
        uint256 cheat = submitAs(trainer2, id, keccak256("cheat"));
        evaluate(cheat, TARGET);
        resolve(disputeAs(disputer, cheat), true, true, 0);
        end(id);
        vm.expectEmit(true, true, false, true, address(board));
        emit BondForfeited(id, trainer2.addr, BOND / 2);
        board.forfeitBond(id, trainer2.addr);
    }

    /// @dev A bounty that failed and whose shares were all refunded: the forfeited bond goes to its DAO.
    function test_ForfeitBond_ToTheDaoWhenNoSharesRemain() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        end(id);
        assertTrue(status(id) == BountyBoard.Status.Failed);
        vm.prank(alice.addr);
        board.refund(id, alice.addr);
        vm.prank(bob.addr);
        board.refund(id, bob.addr);
        board.forfeitBond(id, trainer1.addr);
        assertEq(board.claimableRevenue(id, dao.addr), BOND);
        vm.prank(dao.addr);
        assertEq(board.claimRevenue(id, dao.addr), BOND);
        assertHeld(0);
    }

    /// @dev On a Failed bounty, the forfeit goes to whoever still holds shares; refunds and revenue both pay.
    function test_ForfeitBond_FailedBountySharesToHolders() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        end(id);
        board.forfeitBond(id, trainer1.addr);
        vm.startPrank(alice.addr);
        assertEq(board.refund(id, alice.addr), 600e18);
        assertEq(board.claimRevenue(id, alice.addr), 6e18);
        vm.stopPrank();
        vm.startPrank(bob.addr);
        assertEq(board.claimRevenue(id, bob.addr), 4e18);
        assertEq(board.refund(id, bob.addr), 400e18);
        vm.stopPrank();
        assertHeld(0);
    }

    function test_RevertWhen_ForfeitScoredTrainer() public {
        (uint256 id,) = fulfilledBounty();
        expectNotForfeitable(id, trainer1.addr, BountyBoard.BondState.Posted);
        board.forfeitBond(id, trainer1.addr);
    }

    function test_RevertWhen_ForfeitTwice() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        end(id);
        board.forfeitBond(id, trainer2.addr);
        expectNotForfeitable(id, trainer2.addr, BountyBoard.BondState.Forfeited);
        board.forfeitBond(id, trainer2.addr);
    }

    function test_RevertWhen_ForfeitUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 5));
        board.forfeitBond(5, trainer1.addr);
    }

    function test_Bonds_WorkWhilePaused() public {
        (uint256 id,) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        end(id);
        vm.prank(admin.addr);
        board.pause();
        board.forfeitBond(id, trainer2.addr);
        vm.prank(trainer1.addr);
        board.withdrawBond(id, trainer1.addr);
    }
}
