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

    function test_Publish_RecordsScoreAndBest() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.expectEmit(true, true, false, true, address(board));
        emit EvaluationPublished(id, sub, 85e16, keccak256("r"), true, true);
        vm.prank(evaluator.addr);
        board.publishEvaluation(sub, 85e16, keccak256("r"));

        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertTrue(s.verdict == BountyBoard.Verdict.Scored);
        assertEq(int256(s.score), 85e16);
        assertEq(s.reportHash, keccak256("r"));
        BountyBoard.Bounty memory b = board.getBounty(id);
        assertEq(uint256(b.bestSubmissionId), sub);
        assertEq(int256(b.bestScore), 85e16);
        assertEq(uint256(b.bestSince), block.timestamp);
        assertEq(uint256(b.pendingEvaluations), 0);
        assertTrue(board.getClaim(id, trainer1.addr).passed);
    }

    function test_Publish_BelowTargetIsNotBest() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.expectEmit(true, true, false, true, address(board));
        emit EvaluationPublished(id, sub, 50e16, keccak256(abi.encode("report", sub)), false, false);
        evaluate(sub, 50e16);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), 0);
        // The trainer delivered and was scored: the bond is theirs again.
        assertTrue(board.getClaim(id, trainer1.addr).passed);
    }

    function test_Publish_BetterScoreTakesOver() public {
        uint256 a = submitAs(trainer1, id, keccak256("a"));
        uint256 b = submitAs(trainer2, id, keccak256("b"));
        evaluate(a, 85e16);
        evaluate(b, 95e16);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), b);
        uint256 c = submitAs(trainer1, id, keccak256("c"));
        evaluate(c, 90e16); // worse than b
        assertEq(uint256(board.getBounty(id).bestSubmissionId), b);
    }

    function test_Publish_TieGoesToEarlierSubmissionWhateverTheOrder() public {
        uint256 early = submitAs(trainer1, id, keccak256("early"));
        uint256 late = submitAs(trainer2, id, keccak256("late"));
        evaluate(late, 90e16);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), late);
        evaluate(early, 90e16);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), early);
    }

    function test_Publish_TieDoesNotDisplaceEarlier() public {
        uint256 early = submitAs(trainer1, id, keccak256("early"));
        uint256 late = submitAs(trainer2, id, keccak256("late"));
        evaluate(early, 90e16);
        evaluate(late, 90e16);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), early);
    }

    function test_Publish_LowerIsBetter() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.direction = BountyBoard.Direction.LowerIsBetter;
        p.metricId = "perplexity";
        p.targetScore = 20e18; // perplexity <= 20
        uint256 lm = createBounty(p);
        fundAs(alice, lm, GOAL);
        claimAs(trainer1, lm);
        uint256 a = submitAs(trainer1, lm, keccak256("a"));
        uint256 b = submitAs(trainer1, lm, keccak256("b"));
        uint256 c = submitAs(trainer1, lm, keccak256("c"));
        evaluate(a, 25e18); // misses the target
        evaluate(b, 18e18);
        evaluate(c, 19e18);
        assertEq(uint256(board.getBounty(lm).bestSubmissionId), b);
    }

    function testFuzz_Publish_BestIsTheBestQualifying(int128[4] memory scores) public {
        int128 bestScore = type(int128).min;
        uint256 bestId;
        for (uint256 i; i < scores.length; ++i) {
            Account memory trainer = i % 2 == 0 ? trainer1 : trainer2;
            uint256 sub = submitAs(trainer, id, keccak256(abi.encode("f", i)));
            evaluate(sub, scores[i]);
            if (scores[i] >= TARGET && scores[i] > bestScore) {
                bestScore = scores[i];
                bestId = sub;
            }
        }
        assertEq(uint256(board.getBounty(id).bestSubmissionId), bestId);
    }

    function test_Publish_AfterFinalizationSettlesBondOnly() public {
        uint256 a = submitAs(trainer1, id, keccak256("a"));
        uint256 b = submitAs(trainer2, id, keccak256("b"));
        evaluate(a, 85e16);
        vm.warp(uint256(deliveryDeadline) + WINDOW); // grace over with b still pending
        board.finalize(id);
        evaluate(b, 99e16); // would have won, but the bounty is final
        assertEq(uint256(board.getBounty(id).bestSubmissionId), a);
        assertTrue(board.getClaim(id, trainer2.addr).passed);
    }

    function test_RevertWhen_PublishTwice() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        evaluate(sub, 85e16);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_AlreadyEvaluated.selector, sub, BountyBoard.Verdict.Scored
            )
        );
        evaluate(sub, 99e16);
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
        board.publishEvaluation(sub, 1e18, keccak256("r"));
    }

    function test_RevertWhen_PublishUnknownSubmission() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownSubmission.selector, 99));
        evaluate(99, 1);
    }

    function test_RevertWhen_PublishZeroReport() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "reportHash"));
        vm.prank(evaluator.addr);
        board.publishEvaluation(sub, 1, bytes32(0));
    }
}
