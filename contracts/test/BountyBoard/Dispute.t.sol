// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice dispute, resolveDispute, expireDispute and withdrawDisputeBond.
contract DisputeTest is BountyBoardBase {
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        address disputer,
        bytes32 reasonHash,
        uint128 bond,
        uint64 deadline
    );
    event DisputeResolved(
        uint256 indexed disputeId,
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        BountyBoard.Outcome outcome,
        int128 score,
        bytes32 reportHash,
        uint128 reward
    );
    event DisputeBondWithdrawn(
        uint256 indexed disputeId, address indexed account, address to, uint256 amount
    );
    event BountyFinalized(uint256 indexed bountyId, BountyBoard.Status status, uint256 winningSubmissionId);
    event BestSubmissionChanged(uint256 indexed bountyId, uint256 indexed submissionId, int128 score);

    uint256 internal id;
    uint256 internal sub;

    function setUp() public override {
        super.setUp();
        (id, sub) = scoredBounty(WINNING);
    }

    function outcome(uint256 disputeId) internal view returns (BountyBoard.Outcome) {
        return board.getDispute(disputeId).outcome;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      DISPUTE
    //////////////////////////////////////////////////////////////////////////*/

    function test_Dispute_OpensAndPostsBond() public {
        uint256 before = token.balanceOf(disputer.addr);
        bytes32 reason = keccak256(abi.encode("reason", sub));
        vm.expectEmit(true, true, true, true, address(board));
        emit DisputeOpened(
            1, id, sub, disputer.addr, reason, DISPUTE_BOND, uint64(block.timestamp + ARBITRATION)
        );
        uint256 d = disputeAs(disputer, sub);
        assertEq(d, 1);
        BountyBoard.Dispute memory dispute = board.getDispute(d);
        assertEq(dispute.disputer, disputer.addr);
        assertEq(uint256(dispute.submissionId), sub);
        assertTrue(dispute.outcome == BountyBoard.Outcome.Open);
        assertEq(uint256(dispute.bond), DISPUTE_BOND);
        assertEq(uint256(dispute.deadline), block.timestamp + ARBITRATION);
        assertEq(uint256(board.getSubmission(sub).openDispute), d);
        assertEq(uint256(board.getBounty(id).openDisputes), 1);
        assertEq(token.balanceOf(disputer.addr), before - DISPUTE_BOND);
        assertHeld(GOAL + BOND + DISPUTE_BOND);
        (,, uint256 disputes) = board.counts();
        assertEq(disputes, 1);
    }

    function test_Dispute_ZeroBond() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.disputeBond = 0;
        uint256 other = createBounty(p);
        fundAs(alice, other, GOAL);
        claimAs(trainer2, other);
        uint256 s = submitAs(trainer2, other, keccak256("x"));
        evaluate(s, WINNING);
        vm.prank(carol.addr);
        token.approve(address(board), 0);
        uint256 d = disputeAs(carol, s);
        assertEq(uint256(board.getDispute(d).bond), 0);
        resolve(d, false, false, 0);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, other, trainer2.addr)
        );
        vm.prank(trainer2.addr);
        board.withdrawDisputeBond(d, trainer2.addr);
    }

    function testFuzz_Dispute_OnlyWithinTheChallengeWindow(uint256 delay) public {
        delay = bound(delay, 0, 2 * uint256(WINDOW));
        vm.warp(block.timestamp + delay);
        if (delay >= WINDOW) {
            vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotDisputable.selector, sub));
        }
        disputeAs(disputer, sub);
    }

    function test_RevertWhen_DisputeBeforeVerdict() public {
        claimAs(trainer2, id);
        uint256 pending = submitAs(trainer2, id, keccak256("b"));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotDisputable.selector, pending));
        disputeAs(disputer, pending);
    }

    function test_RevertWhen_DisputeAlreadyOpen() public {
        uint256 d = disputeAs(disputer, sub);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_DisputeAlreadyOpen.selector, sub, d));
        disputeAs(carol, sub);
    }

    function test_RevertWhen_DisputeZeroReason() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "reasonHash"));
        vm.prank(disputer.addr);
        board.dispute(sub, bytes32(0));
    }

    function test_RevertWhen_DisputeUnknownSubmission() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownSubmission.selector, 9));
        disputeAs(disputer, 9);
    }

    function test_RevertWhen_DisputeVerifyingBeforeEvalSetReveal() public {
        finalizeWhenReady(id);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotDisputable.selector, sub));
        disputeAs(disputer, sub);
    }

    /// @dev In Verifying, any verdict is disputable from the eval set's reveal until the payout unlocks.
    function test_Dispute_VerifyingAfterEvalSetReveal() public {
        finalizeWhenReady(id);
        revealEvalSet(id);
        vm.warp(block.timestamp + VERIFICATION - 1);
        uint256 d = disputeAs(disputer, sub);
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_DisputesOpen.selector, id, 1));
        board.unlockPayout(id);
        resolve(d, false, false, 0);
        board.unlockPayout(id);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotDisputable.selector, sub));
        disputeAs(carol, sub);
    }

    function test_RevertWhen_DisputeAfterUnlockTime() public {
        finalizeWhenReady(id);
        revealEvalSet(id);
        vm.warp(block.timestamp + VERIFICATION);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotDisputable.selector, sub));
        disputeAs(disputer, sub);
    }

    function test_RevertWhen_DisputeFailedBounty() public {
        (uint256 other, uint256 s) = scoredBounty(LOSING);
        finalizeWhenReady(other);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotDisputable.selector, s));
        disputeAs(disputer, s);
    }

    function test_Dispute_WorksWhilePaused() public {
        vm.prank(admin.addr);
        board.pause();
        uint256 d = disputeAs(disputer, sub);
        resolve(d, true, true, 0);
        vm.prank(disputer.addr);
        board.withdrawDisputeBond(d, disputer.addr);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                   RESOLVE: REJECTED
    //////////////////////////////////////////////////////////////////////////*/

    function test_Resolve_RejectedPaysTheTrainer() public {
        uint256 d = disputeAs(disputer, sub);
        vm.expectEmit(true, true, true, true, address(board));
        emit DisputeResolved(d, id, sub, BountyBoard.Outcome.Rejected, WINNING, keccak256("ruling"), 0);
        resolve(d, false, false, 0);
        assertTrue(outcome(d) == BountyBoard.Outcome.Rejected);
        assertEq(uint256(board.getBounty(id).openDisputes), 0);
        assertEq(uint256(board.getSubmission(sub).openDispute), 0);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), sub);

        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_NotDisputeBeneficiary.selector, d, disputer.addr, trainer1.addr
            )
        );
        vm.prank(disputer.addr);
        board.withdrawDisputeBond(d, disputer.addr);

        vm.expectEmit(true, true, false, true, address(board));
        emit DisputeBondWithdrawn(d, trainer1.addr, carol.addr, DISPUTE_BOND);
        vm.prank(trainer1.addr);
        assertEq(board.withdrawDisputeBond(d, carol.addr), DISPUTE_BOND);
        assertEq(token.balanceOf(carol.addr), 1_000_000e18 + DISPUTE_BOND);
        assertHeld(GOAL + BOND);
    }

    /*//////////////////////////////////////////////////////////////////////////
                              RESOLVE: UPHELD, DISQUALIFY
    //////////////////////////////////////////////////////////////////////////*/

    function test_Resolve_UpheldDisqualifyRewardsTheDisputer() public {
        uint256 d = disputeAs(disputer, sub);
        uint128 reward = BOND / 2;
        vm.expectEmit(true, true, false, true, address(board));
        emit BestSubmissionChanged(id, 0, 0);
        vm.expectEmit(true, true, true, true, address(board));
        emit DisputeResolved(d, id, sub, BountyBoard.Outcome.Upheld, WINNING, keccak256("ruling"), reward);
        resolve(d, true, true, 0);

        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertTrue(s.verdict == BountyBoard.Verdict.Disqualified);
        assertTrue(s.marked);
        assertTrue(s.final_);
        assertEq(s.reportHash, keccak256("ruling"));
        BountyBoard.Claim memory c = board.getClaim(id, trainer1.addr);
        assertEq(uint256(c.bond), BOND - reward);
        assertEq(uint256(c.marks), 1);
        assertEq(uint256(c.scored), 0);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), 0);
        assertEq(uint256(board.getDispute(d).reward), reward);

        vm.prank(disputer.addr);
        assertEq(board.withdrawDisputeBond(d, disputer.addr), DISPUTE_BOND + reward);
        assertHeld(GOAL + BOND - reward);

        // The bounty fails at the delivery deadline; the rest of the bond is forfeit to the backers.
        assertTrue(finalizeWhenReady(id) == BountyBoard.Status.Failed);
        board.forfeitBond(id, trainer1.addr);
        assertEq(board.claimableRevenue(id, alice.addr), (BOND - reward) * 6 / 10);
    }

    /// @dev The best is re-scanned: the runner-up takes over.
    function test_Resolve_UpheldDisqualifyRescansTheBest() public {
        claimAs(trainer2, id);
        claimAs(trainer3, id);
        uint256 second = submitAs(trainer2, id, keccak256("b"));
        uint256 third = submitAs(trainer3, id, keccak256("c"));
        evaluate(second, TARGET + 1);
        evaluate(third, TARGET + 2);
        uint256 d = disputeAs(disputer, sub);
        vm.expectEmit(true, true, false, true, address(board));
        emit BestSubmissionChanged(id, third, TARGET + 2);
        resolve(d, true, true, 0);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), third);
        assertEq(int256(board.getBounty(id).bestScore), int256(TARGET + 2));
    }

    /// @dev A Verifying bounty whose winner falls with nothing else qualifying fails; refunds open.
    function test_Resolve_VerifyingWinnerFallsWithNothingLeftFails() public {
        finalizeWhenReady(id);
        revealEvalSet(id);
        uint256 d = disputeAs(disputer, sub);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyFinalized(id, BountyBoard.Status.Failed, 0);
        resolve(d, true, true, 0);
        assertTrue(status(id) == BountyBoard.Status.Failed);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 600e18);
        board.forfeitBond(id, trainer1.addr);
        vm.prank(disputer.addr);
        board.withdrawDisputeBond(d, disputer.addr);
        vm.prank(bob.addr);
        board.refund(id, bob.addr);
        // alice refunded before the forfeit: bob holds every share left.
        vm.prank(bob.addr);
        assertEq(board.claimRevenue(id, bob.addr), BOND / 2);
        assertHeld(0);
    }

    function test_Resolve_VerifyingWinnerFallsRunnerUpWins() public {
        claimAs(trainer2, id);
        uint256 second = submitAs(trainer2, id, keccak256("b"));
        evaluate(second, TARGET);
        finalizeWhenReady(id);
        revealEvalSet(id);
        uint256 d = disputeAs(disputer, sub);
        resolve(d, true, true, 0);
        assertTrue(status(id) == BountyBoard.Status.Verifying);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), second);
        vm.warp(block.timestamp + VERIFICATION);
        board.unlockPayout(id);
        vm.prank(trainer2.addr);
        assertEq(board.withdrawPayout(id, trainer2.addr), 975e18);
    }

    /*//////////////////////////////////////////////////////////////////////////
                               RESOLVE: UPHELD, CORRECTED
    //////////////////////////////////////////////////////////////////////////*/

    function test_Resolve_CorrectedScoreReturnsTheBondAndRestartsTheWindow() public {
        vm.warp(block.timestamp + 1 hours);
        uint256 d = disputeAs(disputer, sub);
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(true, true, true, true, address(board));
        emit DisputeResolved(d, id, sub, BountyBoard.Outcome.Corrected, LOSING, keccak256("ruling"), 0);
        resolve(d, true, false, LOSING);
        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertTrue(s.verdict == BountyBoard.Verdict.Scored);
        assertEq(int256(s.score), int256(LOSING));
        assertEq(uint256(s.verdictAt), block.timestamp);
        assertEq(uint256(board.getBounty(id).lastVerdictAt), block.timestamp);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), 0); // no longer qualifies
        assertEq(uint256(board.getClaim(id, trainer1.addr).bond), BOND); // no bond taken
        vm.prank(disputer.addr);
        assertEq(board.withdrawDisputeBond(d, disputer.addr), DISPUTE_BOND);
        // The new score can be disputed in its own window.
        disputeAs(carol, sub);
    }

    function test_Resolve_CorrectedScoreCanMakeABest() public {
        claimAs(trainer2, id);
        uint256 second = submitAs(trainer2, id, keccak256("b"));
        evaluate(second, LOSING);
        uint256 d = disputeAs(trainer2, second);
        resolve(d, true, false, SCALE);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), second);
    }

    /// @dev An evaluator's disqualification (even as a copy) can be reversed: the submission is scored again and
    /// its trainer unmarked.
    function test_Resolve_ReinstatesAnEvaluatorDisqualification() public {
        claimAs(trainer2, id);
        uint256 second = submitAs(trainer2, id, keccak256("b"));
        disqualify(second, sub);
        assertEq(uint256(board.getClaim(id, trainer2.addr).marks), 1);
        uint256 d = disputeAs(trainer2, second);
        resolve(d, true, false, SCALE);
        BountyBoard.Submission memory s = board.getSubmission(second);
        assertTrue(s.verdict == BountyBoard.Verdict.Scored);
        assertFalse(s.marked);
        assertEq(uint256(s.copyOf), 0);
        BountyBoard.Claim memory c = board.getClaim(id, trainer2.addr);
        assertEq(uint256(c.marks), 0);
        assertEq(uint256(c.scored), 1);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), second);
        // At the end, trainer2's bond comes back.
        finalizeWhenReady(id);
        revealEvalSet(id);
        vm.warp(block.timestamp + VERIFICATION);
        board.unlockPayout(id);
        vm.prank(trainer2.addr);
        board.withdrawBond(id, trainer2.addr);
    }

    /// @dev An arbiter's disqualification is final: a later dispute cannot reinstate it.
    function test_RevertWhen_CorrectingAFinalDisqualification() public {
        claimAs(trainer2, id);
        uint256 second = submitAs(trainer2, id, keccak256("b"));
        disqualify(second, 0);
        uint256 d = disputeAs(disputer, second);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NotArbiter.selector, id, alice.addr, arbiter.addr)
        );
        vm.prank(alice.addr);
        board.resolveDispute(d, true, false, SCALE, "r");
        resolve(d, true, true, 0); // upheld with disqualify: final
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotDisputable.selector, second));
        disputeAs(trainer2, second);
    }

    function test_RevertWhen_CorrectingACopyWithAnOpenDispute() public {
        claimAs(trainer2, id);
        claimAs(trainer3, id);
        uint256 earlier = commitAs(trainer3, id, keccak256("same"));
        uint256 later = submitAs(trainer2, id, keccak256("same"));
        evaluate(later, WINNING);
        uint256 d = disputeAs(disputer, later);
        revealAs(trainer3, id, keccak256("same")); // later becomes a final copy of earlier
        assertEq(uint256(board.getSubmission(later).copyOf), earlier);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_SubmissionFinal.selector, later));
        resolve(d, true, false, SCALE);
        resolve(d, false, false, 0);
    }

    function testFuzz_RevertWhen_CorrectedScoreOutOfRange(int128 score) public {
        vm.assume(score < 0 || score > SCALE);
        uint256 d = disputeAs(disputer, sub);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_ScoreOutOfRange.selector, score, 0, SCALE)
        );
        resolve(d, true, false, score);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  RESOLVE: GUARDS
    //////////////////////////////////////////////////////////////////////////*/

    function test_RevertWhen_ResolveByNonArbiter() public {
        uint256 d = disputeAs(disputer, sub);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NotArbiter.selector, id, dao.addr, arbiter.addr)
        );
        vm.prank(dao.addr);
        board.resolveDispute(d, true, true, 0, "r");
    }

    function test_RevertWhen_ResolveAfterDeadline() public {
        uint256 d = disputeAs(disputer, sub);
        uint256 deadline = block.timestamp + ARBITRATION;
        vm.warp(deadline);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_DisputeDeadlinePassed.selector, d, deadline)
        );
        resolve(d, true, true, 0);
    }

    function test_RevertWhen_ResolveZeroReport() public {
        uint256 d = disputeAs(disputer, sub);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "reportHash"));
        vm.prank(arbiter.addr);
        board.resolveDispute(d, false, false, 0, bytes32(0));
    }

    function test_RevertWhen_ResolveTwice() public {
        uint256 d = disputeAs(disputer, sub);
        resolve(d, false, false, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_DisputeNotOpen.selector, d, BountyBoard.Outcome.Rejected
            )
        );
        resolve(d, true, true, 0);
    }

    function test_RevertWhen_ResolveUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownDispute.selector, 3));
        resolve(3, false, false, 0);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                   EXPIRE DISPUTE
    //////////////////////////////////////////////////////////////////////////*/

    function test_Expire_DismissesByDefault() public {
        uint256 d = disputeAs(disputer, sub);
        uint256 deadline = block.timestamp + ARBITRATION;
        vm.warp(deadline - 1);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_DisputeNotExpired.selector, d, deadline)
        );
        board.expireDispute(d);
        vm.warp(deadline);
        vm.expectEmit(true, true, true, true, address(board));
        emit DisputeResolved(d, id, sub, BountyBoard.Outcome.Expired, WINNING, bytes32(0), 0);
        vm.prank(carol.addr); // anyone
        board.expireDispute(d);
        assertTrue(outcome(d) == BountyBoard.Outcome.Expired);
        assertEq(uint256(board.getBounty(id).openDisputes), 0);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), sub);
        vm.prank(disputer.addr);
        assertEq(board.withdrawDisputeBond(d, disputer.addr), DISPUTE_BOND);
        // The bounty finalizes as if nothing happened.
        assertTrue(board.finalize(id) == BountyBoard.Status.Verifying);
    }

    function test_RevertWhen_ExpireClosed() public {
        uint256 d = disputeAs(disputer, sub);
        resolve(d, false, false, 0);
        vm.warp(block.timestamp + ARBITRATION);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_DisputeNotOpen.selector, d, BountyBoard.Outcome.Rejected
            )
        );
        board.expireDispute(d);
    }

    function test_RevertWhen_ExpireUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownDispute.selector, 1));
        board.expireDispute(1);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                WITHDRAW DISPUTE BOND
    //////////////////////////////////////////////////////////////////////////*/

    function test_RevertWhen_WithdrawDisputeBondWhileOpen() public {
        uint256 d = disputeAs(disputer, sub);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_DisputeNotOpen.selector, d, BountyBoard.Outcome.Open
            )
        );
        vm.prank(disputer.addr);
        board.withdrawDisputeBond(d, disputer.addr);
    }

    function test_RevertWhen_WithdrawDisputeBondTwice() public {
        uint256 d = disputeAs(disputer, sub);
        resolve(d, true, false, WINNING + 1);
        vm.startPrank(disputer.addr);
        board.withdrawDisputeBond(d, disputer.addr);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, disputer.addr)
        );
        board.withdrawDisputeBond(d, disputer.addr);
        vm.stopPrank();
    }

    function test_RevertWhen_WithdrawDisputeBondToZero() public {
        uint256 d = disputeAs(disputer, sub);
        resolve(d, true, true, 0);
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(disputer.addr);
        board.withdrawDisputeBond(d, address(0));
    }

    function test_RevertWhen_WithdrawUnknownDisputeBond() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownDispute.selector, 8));
        board.withdrawDisputeBond(8, alice.addr);
    }

    function test_RevertWhen_WithdrawDisputeBondByStranger() public {
        uint256 d = disputeAs(disputer, sub);
        resolve(d, true, true, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_NotDisputeBeneficiary.selector, d, carol.addr, disputer.addr
            )
        );
        vm.prank(carol.addr);
        board.withdrawDisputeBond(d, carol.addr);
    }
}

/// @notice Findings of this suite that are contract bugs: each test states the expected behaviour and fails until
/// the contract is fixed.
contract DisputeOrderingTest is BountyBoardBase {
    /// @dev A Verifying bounty with two open disputes: the winner's (trainer1) and a non-qualifying scored
    /// submission's (trainer2). Upholding the first fails the bounty at once (`_failIfNoWinner`), which ends it
    /// while the second dispute is still open: trainer2 withdraws the whole bond, and when the arbiter then upholds
    /// the second dispute with disqualification the disputer's reward (half the bond, ADR 016) is 0 and the marked
    /// trainer keeps everything. Expected: the bond stays until that dispute is closed (or the reward is paid).
    /// Fix: refuse `withdrawBond`/`forfeitBond` while one of the trainer's submissions has an open dispute (count
    /// them per claim), or fail the bounty only once `openDisputes` is 0.
    function test_BondWithdrawnWhileItsDisputeIsOpen() public {
        (uint256 id, uint256 winner) = scoredBounty(WINNING);
        claimAs(trainer2, id);
        uint256 other = submitAs(trainer2, id, keccak256("b"));
        evaluate(other, LOSING);
        finalizeWhenReady(id);
        revealEvalSet(id);
        uint256 d1 = disputeAs(disputer, winner);
        uint256 d2 = disputeAs(carol, other);
        resolve(d1, true, true, 0);
        // The winner fell and nothing else qualifies, but d2 is still open: the bounty waits in Verifying.
        assertTrue(status(id) == BountyBoard.Status.Verifying);
        assertEq(uint256(board.getBounty(id).openDisputes), 1);

        // No bond leaves before every ruling.
        vm.prank(trainer2.addr);
        vm.expectRevert();
        board.withdrawBond(id, trainer2.addr);
        resolve(d2, true, true, 0);
        assertTrue(status(id) == BountyBoard.Status.Failed);
        assertEq(uint256(board.getDispute(d2).reward), BOND / 2, "upheld dispute paid no reward");
    }
}
