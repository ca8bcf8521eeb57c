// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract DisqualifySubmissionTest is BountyBoardBase {
    event SubmissionDisqualified(uint256 indexed bountyId, uint256 indexed submissionId, bytes32 reportHash);

    uint256 internal id;
    uint256 internal sub;

    function setUp() public override {
        super.setUp();
        id = fundedBounty();
        claimAs(trainer1, id);
        sub = submitAs(trainer1, id, keccak256("copy"));
    }

    function test_Disqualify_MarksAndNeverWins() public {
        vm.expectEmit(true, true, false, true, address(board));
        emit SubmissionDisqualified(id, sub, keccak256("copy of #0"));
        vm.prank(evaluator.addr);
        board.disqualifySubmission(sub, keccak256("copy of #0"));
        assertTrue(board.getSubmission(sub).verdict == BountyBoard.Verdict.Disqualified);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), 0);
        assertEq(uint256(board.getBounty(id).pendingEvaluations), 0);
        assertFalse(board.getClaim(id, trainer1.addr).passed);
    }

    function test_RevertWhen_DisqualifyScored() public {
        evaluate(sub, 90e16);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_AlreadyEvaluated.selector, sub, BountyBoard.Verdict.Scored
            )
        );
        vm.prank(evaluator.addr);
        board.disqualifySubmission(sub, keccak256("late"));
    }

    function test_RevertWhen_ScoreDisqualified() public {
        vm.prank(evaluator.addr);
        board.disqualifySubmission(sub, keccak256("copy"));
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_AlreadyEvaluated.selector, sub, BountyBoard.Verdict.Disqualified
            )
        );
        evaluate(sub, 90e16);
    }

    function test_RevertWhen_DisqualifyByNonEvaluator() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, dao.addr, board.EVALUATOR_ROLE()
            )
        );
        vm.prank(dao.addr);
        board.disqualifySubmission(sub, keccak256("r"));
    }

    function test_RevertWhen_DisqualifyZeroReport() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "reportHash"));
        vm.prank(evaluator.addr);
        board.disqualifySubmission(sub, bytes32(0));
    }
}
