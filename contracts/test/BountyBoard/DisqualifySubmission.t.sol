// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract DisqualifySubmissionTest is BountyBoardBase {
    event SubmissionDisqualified(
        uint256 indexed bountyId, uint256 indexed submissionId, bytes32 reportHash, uint256 copyOf
    );

    uint256 internal id;
    uint256 internal original;

    function setUp() public override {
        super.setUp();
        id = fundedBounty();
        claimAs(trainer1, id);
        claimAs(trainer2, id);
        original = submitAs(trainer1, id, keccak256("original"));
    }

    function test_Disqualify_OtherReasonDoesNotMark() public {
        uint256 sub = submitAs(trainer2, id, keccak256("invalid model"));
        vm.expectEmit(true, true, false, true, address(board));
        emit SubmissionDisqualified(id, sub, reportOf(sub), 0);
        disqualify(sub, 0);
        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertTrue(s.verdict == BountyBoard.Verdict.Disqualified);
        assertFalse(s.marked);
        assertFalse(s.final_);
        assertEq(uint256(s.verdictAt), block.timestamp);
        BountyBoard.Claim memory c = board.getClaim(id, trainer2.addr);
        assertEq(uint256(c.marks), 0);
        assertEq(uint256(c.pending), 0);
        assertEq(uint256(board.getBounty(id).pending), 1); // the original
        assertEq(uint256(board.getBounty(id).lastVerdictAt), block.timestamp);
    }

    /// @dev A detected copy (a different hash, e.g. a re-exported model) marks its trainer.
    function test_Disqualify_CopyMarks() public {
        uint256 sub = submitAs(trainer2, id, keccak256("re-exported"));
        vm.expectEmit(true, true, false, true, address(board));
        emit SubmissionDisqualified(id, sub, reportOf(sub), original);
        disqualify(sub, original);
        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertTrue(s.marked);
        assertEq(uint256(s.copyOf), original);
        assertEq(uint256(board.getClaim(id, trainer2.addr).marks), 1);
    }

    function test_RevertWhen_CopyOfIsNotEarlier() public {
        uint256 sub = submitAs(trainer2, id, keccak256("b"));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadCopyOf.selector, original, sub));
        disqualify(original, sub);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadCopyOf.selector, sub, sub));
        disqualify(sub, sub);
    }

    function test_RevertWhen_CopyOfIsUnrevealed() public {
        uint256 unrevealed = commitAs(trainer1, id, keccak256("hidden"));
        uint256 sub = submitAs(trainer2, id, keccak256("b"));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadCopyOf.selector, sub, unrevealed));
        disqualify(sub, unrevealed);
    }

    function test_RevertWhen_CopyOfIsOnAnotherBounty() public {
        uint256 other = fundedBounty();
        claimAs(trainer3, other);
        uint256 elsewhere = submitAs(trainer3, other, keccak256("x"));
        uint256 sub = submitAs(trainer2, id, keccak256("b"));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadCopyOf.selector, sub, elsewhere));
        disqualify(sub, elsewhere);
    }

    function test_RevertWhen_DisqualifyAfterEvaluationPeriod() public {
        uint256 deadline = block.timestamp + EVALUATION;
        vm.warp(deadline);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_EvaluationClosed.selector, original, deadline)
        );
        disqualify(original, 0);
    }

    function test_RevertWhen_DisqualifyScored() public {
        evaluate(original, WINNING);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_AlreadyEvaluated.selector, original, BountyBoard.Verdict.Scored
            )
        );
        disqualify(original, 0);
    }

    function test_RevertWhen_DisqualifyZeroReport() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "reportHash"));
        vm.prank(evaluator.addr);
        board.disqualifySubmission(original, bytes32(0), 0);
    }

    function test_RevertWhen_DisqualifyByNonEvaluator() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice.addr, board.EVALUATOR_ROLE()
            )
        );
        vm.prank(alice.addr);
        board.disqualifySubmission(original, "r", 0);
    }

    function test_RevertWhen_DisqualifyUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownSubmission.selector, 50));
        disqualify(50, 0);
    }
}
