// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice withdrawBond and forfeitBond.
contract BondsTest is BountyBoardBase {
    event BondReturned(uint256 indexed bountyId, address indexed trainer, uint128 amount);
    event BondForfeited(uint256 indexed bountyId, address indexed trainer, uint128 amount, bool toPayout);

    function test_WithdrawBond_AfterScoredSubmission() public {
        (uint256 id,) = scoredBounty(10e16); // scored, even below target
        uint256 before = token.balanceOf(trainer1.addr);
        vm.expectEmit(true, true, false, true, address(board));
        emit BondReturned(id, trainer1.addr, BOND);
        vm.prank(trainer1.addr);
        board.withdrawBond(id);
        assertEq(token.balanceOf(trainer1.addr), before + BOND);
        assertTrue(board.getClaim(id, trainer1.addr).bondState == BountyBoard.BondState.Returned);
    }

    function test_RevertWhen_WithdrawBondBeforeEvaluation() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        submitAs(trainer1, id, keccak256("a"));
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotReturnable.selector,
                id,
                trainer1.addr,
                BountyBoard.BondState.Posted
            )
        );
        vm.prank(trainer1.addr);
        board.withdrawBond(id);
    }

    function test_RevertWhen_WithdrawBondTwice() public {
        (uint256 id,) = scoredBounty(90e16);
        vm.prank(trainer1.addr);
        board.withdrawBond(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotReturnable.selector,
                id,
                trainer1.addr,
                BountyBoard.BondState.Returned
            )
        );
        vm.prank(trainer1.addr);
        board.withdrawBond(id);
    }

    function test_RevertWhen_WithdrawBondWithoutClaim() public {
        uint256 id = fundedBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotReturnable.selector, id, carol.addr, BountyBoard.BondState.None
            )
        );
        vm.prank(carol.addr);
        board.withdrawBond(id);
    }

    function test_ForfeitBond_NoSubmissionGoesToPayout() public {
        (uint256 id,) = scoredBounty(90e16);
        claimAs(trainer2, id);
        vm.warp(deliveryDeadline);
        board.finalize(id);
        uint256 owedBefore = board.payoutOwed(id);
        vm.expectEmit(true, true, false, true, address(board));
        emit BondForfeited(id, trainer2.addr, BOND, true);
        vm.prank(carol.addr); // anyone
        board.forfeitBond(id, trainer2.addr);
        assertEq(board.payoutOwed(id), owedBefore + BOND);
        assertTrue(board.getClaim(id, trainer2.addr).bondState == BountyBoard.BondState.Forfeited);
    }

    function test_ForfeitBond_DisqualifiedOnlyGoesToPlatformWhenFailed() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        uint256 sub = submitAs(trainer1, id, keccak256("copy"));
        vm.prank(evaluator.addr);
        board.disqualifySubmission(sub, keccak256("copy"));
        vm.warp(deliveryDeadline);
        board.finalize(id); // nothing qualified: Failed
        board.forfeitBond(id, trainer1.addr);
        assertEq(board.accruedFees(address(token)), BOND);
    }

    function test_RevertWhen_ForfeitBeforeFinalization() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Funded
            )
        );
        board.forfeitBond(id, trainer1.addr);
    }

    function test_RevertWhen_ForfeitBondOfScoredTrainer() public {
        (uint256 id,) = fulfilledBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotForfeitable.selector,
                id,
                trainer1.addr,
                BountyBoard.BondState.Posted
            )
        );
        board.forfeitBond(id, trainer1.addr);
    }

    function test_RevertWhen_ForfeitWhileEvaluationPending() public {
        (uint256 id,) = scoredBounty(90e16);
        claimAs(trainer2, id);
        uint256 pending = submitAs(trainer2, id, keccak256("pending"));
        vm.warp(uint256(deliveryDeadline) + WINDOW);
        board.finalize(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotForfeitable.selector,
                id,
                trainer2.addr,
                BountyBoard.BondState.Posted
            )
        );
        board.forfeitBond(id, trainer2.addr);
        // Scored late, the bond comes back instead.
        evaluate(pending, 1);
        vm.prank(trainer2.addr);
        board.withdrawBond(id);
    }

    function test_RevertWhen_ForfeitTwice() public {
        (uint256 id,) = scoredBounty(90e16);
        claimAs(trainer2, id);
        vm.warp(deliveryDeadline);
        board.finalize(id);
        board.forfeitBond(id, trainer2.addr);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotForfeitable.selector,
                id,
                trainer2.addr,
                BountyBoard.BondState.Forfeited
            )
        );
        board.forfeitBond(id, trainer2.addr);
    }
}
