// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract PublishEvaluationTest is BountyBoardBase {
    event EvaluationPublished(
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        int128 score,
        bytes32 reportHash,
        bool qualifies,
        bool best
    );

    uint256 internal id;

    function setUp() public override {
        super.setUp();
        id = fundedBounty();
        claimAs(trainer1, id);
        claimAs(trainer2, id);
    }

    function test_Publish_ScoresAndTracksBest() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(true, true, false, true, address(board));
        emit EvaluationPublished(id, sub, WINNING, reportOf(sub), true, true);
        evaluate(sub, WINNING);

        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertTrue(s.verdict == BountyBoard.Verdict.Scored);
        assertEq(int256(s.score), int256(WINNING));
        assertEq(s.reportHash, reportOf(sub));
        assertEq(uint256(s.verdictAt), block.timestamp);
        BountyBoard.Bounty memory b = board.getBounty(id);
        assertEq(uint256(b.bestSubmissionId), sub);
        assertEq(int256(b.bestScore), int256(WINNING));
        assertEq(uint256(b.lastVerdictAt), block.timestamp);
        assertEq(uint256(b.pending), 0);
        BountyBoard.Claim memory c = board.getClaim(id, trainer1.addr);
        assertEq(uint256(c.pending), 0);
        assertEq(uint256(c.scored), 1);
    }

    function test_Publish_BelowTargetDoesNotQualify() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.expectEmit(true, true, false, true, address(board));
        emit EvaluationPublished(id, sub, TARGET - 1, reportOf(sub), false, false);
        evaluate(sub, TARGET - 1);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), 0);
    }

    function test_Publish_TargetExactlyQualifies() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        evaluate(sub, TARGET);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), sub);
    }

    /// @dev Ties go to the earlier commit, whichever is scored first.
    function test_Publish_TieGoesToTheEarlierCommit() public {
        uint256 first = commitAs(trainer1, id, keccak256("a"));
        uint256 second = submitAs(trainer2, id, keccak256("b"));
        revealAs(trainer1, id, keccak256("a"));
        evaluate(second, WINNING);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), second);
        vm.expectEmit(true, true, false, true, address(board));
        emit EvaluationPublished(id, first, WINNING, reportOf(first), true, true);
        evaluate(first, WINNING);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), first);
    }

    function test_Publish_LaterEqualScoreDoesNotTakeBest() public {
        uint256 first = submitAs(trainer1, id, keccak256("a"));
        uint256 second = submitAs(trainer2, id, keccak256("b"));
        evaluate(first, WINNING);
        evaluate(second, WINNING);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), first);
        uint256 third = submitAs(trainer2, id, keccak256("c"));
        evaluate(third, WINNING + 1);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), third);
    }

    function testFuzz_Publish_BestIsTheHighestQualifying(int128[4] memory scores) public {
        uint256[4] memory subs;
        int128 best = type(int128).min;
        uint256 bestId;
        for (uint256 i; i < 4; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            scores[i] = int128(int256(bound(uint256(int256(scores[i])), 0, uint256(int256(SCALE)))));
            subs[i] = submitAs(i % 2 == 0 ? trainer1 : trainer2, id, keccak256(abi.encode(i)));
        }
        for (uint256 i = 4; i > 0; --i) {
            evaluate(subs[i - 1], scores[i - 1]);
        }
        for (uint256 i; i < 4; ++i) {
            if (scores[i] >= TARGET && scores[i] > best) {
                best = scores[i];
                bestId = subs[i];
            }
        }
        assertEq(uint256(board.getBounty(id).bestSubmissionId), bestId);
    }

    function test_Publish_LowerIsBetter() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.metricId = PERPLEXITY;
        p.direction = BountyBoard.Direction.LowerIsBetter;
        p.targetScore = 20e9;
        uint256 other = createBounty(p);
        fundAs(alice, other, GOAL);
        claimAs(trainer3, other);
        uint256 a = submitAs(trainer3, other, keccak256("a"));
        uint256 b = submitAs(trainer3, other, keccak256("b"));
        uint256 c = submitAs(trainer3, other, keccak256("c"));
        evaluate(a, 25e9); // does not qualify
        evaluate(b, 15e9);
        evaluate(c, 12e9);
        assertEq(uint256(board.getBounty(other).bestSubmissionId), c);
        uint256 d = submitAs(trainer3, other, keccak256("d"));
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_ScoreOutOfRange.selector, SCALE - 1, SCALE, type(int128).max
            )
        );
        evaluate(d, SCALE - 1);
    }

    function testFuzz_RevertWhen_ScoreOutOfRange(int128 score) public {
        vm.assume(score < 0 || score > SCALE);
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_ScoreOutOfRange.selector, score, 0, SCALE)
        );
        evaluate(sub, score);
    }

    function testFuzz_Publish_EvaluationPeriod(uint256 delay) public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        uint256 deadline = block.timestamp + EVALUATION;
        delay = bound(delay, 0, 2 * uint256(EVALUATION));
        vm.warp(block.timestamp + delay);
        if (block.timestamp >= deadline) {
            vm.expectRevert(
                abi.encodeWithSelector(BountyBoard.BountyBoard_EvaluationClosed.selector, sub, deadline)
            );
        }
        evaluate(sub, WINNING);
    }

    function test_RevertWhen_PublishNotRevealed() public {
        uint256 sub = commitAs(trainer1, id, keccak256("a"));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotRevealed.selector, sub));
        evaluate(sub, WINNING);
    }

    function test_RevertWhen_PublishUnknownSubmission() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownSubmission.selector, 42));
        evaluate(42, WINNING);
    }

    function test_RevertWhen_PublishTwice() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        evaluate(sub, WINNING);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_AlreadyEvaluated.selector, sub, BountyBoard.Verdict.Scored
            )
        );
        evaluate(sub, LOSING);
    }

    function test_RevertWhen_PublishZeroReport() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "reportHash"));
        vm.prank(evaluator.addr);
        board.publishEvaluation(sub, WINNING, bytes32(0));
    }

    function test_RevertWhen_PublishByNonEvaluator() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                trainer1.addr,
                board.EVALUATOR_ROLE()
            )
        );
        vm.prank(trainer1.addr);
        board.publishEvaluation(sub, WINNING, "r");
    }

    /// @dev An arbiter later granted EVALUATOR_ROLE still may not evaluate its own bounty.
    function test_RevertWhen_ArbiterEvaluates() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        bytes32 role = board.EVALUATOR_ROLE();
        vm.prank(admin.addr);
        board.grantRole(role, arbiter.addr);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_ArbiterCannotEvaluate.selector, id, arbiter.addr)
        );
        vm.prank(arbiter.addr);
        board.publishEvaluation(sub, WINNING, "r");
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_ArbiterCannotEvaluate.selector, id, arbiter.addr)
        );
        vm.prank(arbiter.addr);
        board.disqualifySubmission(sub, "r", 0);
    }

    /// @dev A finalized bounty takes no more verdicts: its pending submissions stay unevaluated.
    function test_RevertWhen_PublishAfterFinalize() public {
        uint256 a = submitAs(trainer1, id, keccak256("a"));
        uint256 b = submitAs(trainer2, id, keccak256("b"));
        evaluate(a, WINNING);
        vm.warp(block.timestamp + EVALUATION);
        board.finalize(id);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_EvaluationClosed.selector, b, block.timestamp)
        );
        evaluate(b, WINNING);
    }

    function test_Publish_WorksWhilePaused() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.prank(admin.addr);
        board.pause();
        evaluate(sub, WINNING);
    }
}
