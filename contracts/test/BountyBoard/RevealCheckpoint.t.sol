// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract RevealCheckpointTest is BountyBoardBase {
    event CheckpointRevealed(
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        address indexed trainer,
        bytes32 checkpointHash,
        string uri,
        uint64 revealedAt
    );
    event SubmissionDisqualified(
        uint256 indexed bountyId, uint256 indexed submissionId, bytes32 reportHash, uint256 copyOf
    );
    event BestSubmissionChanged(uint256 indexed bountyId, uint256 indexed submissionId, int128 score);

    bytes32 internal constant H = keccak256("ckpt");
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        id = fundedBounty();
        claimAs(trainer1, id);
        claimAs(trainer2, id);
    }

    function reveal(Account memory trainer, bytes32 h, bytes32 salt) internal returns (uint256) {
        vm.prank(trainer.addr);
        return board.revealCheckpoint(id, h, URI, salt);
    }

    function test_Reveal_RecordsHashAndPending() public {
        uint256 sub = commitAs(trainer1, id, H);
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(true, true, true, true, address(board));
        emit CheckpointRevealed(id, sub, trainer1.addr, H, URI, uint64(block.timestamp));
        assertEq(reveal(trainer1, H, saltOf(trainer1.addr, H)), sub);

        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertEq(uint256(s.revealedAt), block.timestamp);
        assertTrue(s.verdict == BountyBoard.Verdict.Pending);
        assertEq(board.submissionOf(id, H), sub);
        BountyBoard.Bounty memory b = board.getBounty(id);
        assertEq(uint256(b.unrevealed), 0);
        assertEq(uint256(b.pending), 1);
        assertEq(uint256(b.reveals), 1);
        assertEq(uint256(b.lastEvaluationDeadline), block.timestamp + EVALUATION);
        assertEq(uint256(board.getClaim(id, trainer1.addr).pending), 1);
    }

    /// @dev A reveal in the commit's own block could be copied into another commit of that block.
    function test_RevertWhen_RevealInTheCommitBlock() public {
        uint256 sub = commitAs(trainer1, id, H);
        bytes32 salt = saltOf(trainer1.addr, H);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_RevealTooEarly.selector, sub, block.number)
        );
        reveal(trainer1, H, salt);
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        reveal(trainer1, H, salt);
    }

    function testFuzz_Reveal_WithinRevealPeriodOnly(uint256 delay) public {
        uint256 sub = commitAs(trainer1, id, H);
        uint256 deadline = block.timestamp + REVEAL;
        delay = bound(delay, 0, 2 * uint256(REVEAL));
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        vm.warp(block.timestamp + delay);
        bytes32 salt = saltOf(trainer1.addr, H);
        if (block.timestamp >= deadline) {
            vm.expectRevert(
                abi.encodeWithSelector(BountyBoard.BountyBoard_RevealClosed.selector, sub, deadline)
            );
        }
        reveal(trainer1, H, salt);
    }

    /// @dev The reveal period may run past the delivery deadline.
    function test_Reveal_AfterDeliveryDeadline() public {
        vm.warp(deliveryDeadline - 1);
        commitAs(trainer1, id, H);
        vm.warp(deliveryDeadline + 1 hours);
        revealAs(trainer1, id, H);
    }

    function test_RevertWhen_RevealWrongSalt() public {
        commitAs(trainer1, id, H);
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        // forge-lint: disable-next-line(unsafe-typecast)
        bytes32 commitment = keccak256(abi.encode(H, trainer1.addr, bytes32("wrong")));
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownCommitment.selector, id, commitment)
        );
        reveal(trainer1, H, "wrong");
    }

    /// @dev A commitment binds its trainer: someone else cannot reveal it, even with the salt.
    function test_RevertWhen_RevealSomeoneElsesCommit() public {
        commitAs(trainer1, id, H);
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        bytes32 salt = saltOf(trainer1.addr, H);
        bytes32 commitment = keccak256(abi.encode(H, trainer2.addr, salt));
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownCommitment.selector, id, commitment)
        );
        reveal(trainer2, H, salt);
    }

    function test_RevertWhen_RevealTwice() public {
        uint256 sub = submitAs(trainer1, id, H);
        bytes32 salt = saltOf(trainer1.addr, H);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_AlreadyRevealed.selector, sub));
        reveal(trainer1, H, salt);
    }

    function test_RevertWhen_RevealZeroHash() public {
        bytes32 salt = "s";
        vm.prank(trainer1.addr);
        board.commitCheckpoint(id, keccak256(abi.encode(bytes32(0), trainer1.addr, salt)));
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "checkpointHash"));
        reveal(trainer1, bytes32(0), salt);
    }

    function test_RevertWhen_RevealBadUri() public {
        commitAs(trainer1, id, H);
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        bytes32 salt = saltOf(trainer1.addr, H);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadUri.selector, 0));
        vm.prank(trainer1.addr);
        board.revealCheckpoint(id, H, "", salt);
        bytes memory long = new bytes(board.MAX_URI_LENGTH() + 1);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadUri.selector, long.length));
        vm.prank(trainer1.addr);
        board.revealCheckpoint(id, H, string(long), salt);
    }

    function test_RevertWhen_RevealUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 99));
        vm.prank(trainer1.addr);
        board.revealCheckpoint(99, H, URI, "s");
    }

    /// @dev Reveals are not paused.
    function test_Reveal_WorksWhilePaused() public {
        commitAs(trainer1, id, H);
        vm.prank(admin.addr);
        board.pause();
        revealAs(trainer1, id, H);
    }

    function test_RevertWhen_RevealAfterTheBountyFailed() public {
        commitAs(trainer1, id, H);
        vm.warp(deliveryDeadline);
        assertTrue(board.finalize(id) == BountyBoard.Status.Failed);
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        bytes32 salt = saltOf(trainer1.addr, H);
        expectWrongStatus(id, BountyBoard.Status.Failed);
        reveal(trainer1, H, salt);
    }

    function test_RevertWhen_TooManyReveals() public {
        uint256 max = board.MAX_REVEALS_PER_BOUNTY();
        uint256 perTrainer = board.MAX_SUBMISSIONS_PER_TRAINER();
        for (uint256 i; i < max; ++i) {
            Account memory t = makeAccount(string(abi.encode("t", i / perTrainer)));
            if (i % perTrainer == 0) {
                vm.prank(admin.addr);
                token.mint(t.addr, BOND);
                vm.prank(t.addr);
                token.approve(address(board), BOND);
                claimAs(t, id);
            }
            commitAs(t, id, keccak256(abi.encode(i)));
        }
        uint256 last = commitAs(trainer1, id, H);
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        for (uint256 i; i < max; ++i) {
            Account memory t = makeAccount(string(abi.encode("t", i / perTrainer)));
            vm.prank(t.addr);
            board.revealCheckpoint(
                id, keccak256(abi.encode(i)), URI, saltOf(t.addr, keccak256(abi.encode(i)))
            );
        }
        bytes32 salt = saltOf(trainer1.addr, H);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_TooManyReveals.selector, id, max));
        reveal(trainer1, H, salt);
        assertEq(uint256(board.getBounty(id).unrevealed), 1);
        assertEq(board.getSubmission(last).revealedAt, 0);
    }

    /*//////////////////////////////////////////////////////////////////////////
                             SAME HASH: COMMIT PRECEDENCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev The earlier commit reveals first: the later one is disqualified on reveal.
    function test_SameHash_EarlierRevealsFirst_LaterIsACopy() public {
        uint256 first = commitAs(trainer1, id, H);
        uint256 second = commitAs(trainer2, id, H);
        revealAs(trainer1, id, H);
        vm.expectEmit(true, true, false, true, address(board));
        emit SubmissionDisqualified(id, second, board.DUPLICATE_REPORT(), first);
        revealAs(trainer2, id, H);

        BountyBoard.Submission memory copy = board.getSubmission(second);
        assertTrue(copy.verdict == BountyBoard.Verdict.Disqualified);
        assertEq(copy.reportHash, board.DUPLICATE_REPORT());
        assertEq(uint256(copy.copyOf), first);
        assertTrue(copy.marked);
        assertTrue(copy.final_);
        assertEq(board.submissionOf(id, H), first);
        assertEq(uint256(board.getClaim(id, trainer2.addr).marks), 1);
        assertEq(uint256(board.getClaim(id, trainer2.addr).pending), 0);
        assertEq(uint256(board.getBounty(id).pending), 1);
    }

    /// @dev The later commit reveals first (it copied the hash from elsewhere): the earlier commit takes it back.
    function test_SameHash_LaterRevealsFirst_EarlierKeepsIt() public {
        uint256 first = commitAs(trainer1, id, H);
        uint256 second = commitAs(trainer2, id, H);
        revealAs(trainer2, id, H);
        assertEq(board.submissionOf(id, H), second);
        vm.expectEmit(true, true, false, true, address(board));
        emit SubmissionDisqualified(id, second, board.DUPLICATE_REPORT(), first);
        revealAs(trainer1, id, H);

        assertEq(board.submissionOf(id, H), first);
        assertTrue(board.getSubmission(first).verdict == BountyBoard.Verdict.Pending);
        BountyBoard.Submission memory copy = board.getSubmission(second);
        assertTrue(copy.verdict == BountyBoard.Verdict.Disqualified);
        assertEq(uint256(copy.copyOf), first);
        assertEq(uint256(board.getClaim(id, trainer2.addr).pending), 0);
        assertEq(uint256(board.getClaim(id, trainer2.addr).marks), 1);
        assertEq(uint256(board.getBounty(id).pending), 1);
    }

    /// @dev The copy was already scored and leading when the earlier commit revealed: it loses the lead too.
    function test_SameHash_ScoredLaterCommitLosesBest() public {
        uint256 first = commitAs(trainer1, id, H);
        uint256 second = submitAs(trainer2, id, H);
        evaluate(second, WINNING);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), second);
        vm.expectEmit(true, true, false, true, address(board));
        emit BestSubmissionChanged(id, 0, 0);
        revealAs(trainer1, id, H);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), 0);
        assertEq(uint256(board.getClaim(id, trainer2.addr).scored), 0);
        evaluate(first, WINNING);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), first);
    }

    /// @dev A copy the evaluator had already disqualified is marked once more (a copy) and made final.
    function test_SameHash_EvaluatorDisqualifiedLaterCommitIsMarked() public {
        commitAs(trainer1, id, H);
        uint256 second = submitAs(trainer2, id, H);
        disqualify(second, 0);
        assertEq(uint256(board.getClaim(id, trainer2.addr).marks), 0);
        revealAs(trainer1, id, H);
        assertEq(uint256(board.getClaim(id, trainer2.addr).marks), 1);
        assertTrue(board.getSubmission(second).final_);
    }

    /// @dev The same trainer revealing the same checkpoint twice: the second is a copy of the first.
    function test_SameHash_SameTrainerTwice() public {
        uint256 first = commitAs(trainer1, id, H);
        bytes32 salt2 = "second salt";
        vm.prank(trainer1.addr);
        uint256 second = board.commitCheckpoint(id, keccak256(abi.encode(H, trainer1.addr, salt2)));
        revealAs(trainer1, id, H);
        reveal(trainer1, H, salt2);
        assertEq(uint256(board.getSubmission(second).copyOf), first);
    }

    /// @dev Whichever order the two reveals come in, the lower submission id keeps the hash.
    function testFuzz_SameHash_LowerIdAlwaysKeepsIt(bool laterFirst, bool scoreBetween) public {
        uint256 first = commitAs(trainer1, id, H);
        uint256 second = commitAs(trainer2, id, H);
        if (laterFirst) {
            revealAs(trainer2, id, H);
            if (scoreBetween) evaluate(second, WINNING);
            revealAs(trainer1, id, H);
        } else {
            revealAs(trainer1, id, H);
            if (scoreBetween) evaluate(first, WINNING);
            revealAs(trainer2, id, H);
        }
        assertEq(board.submissionOf(id, H), first);
        assertTrue(board.getSubmission(second).verdict == BountyBoard.Verdict.Disqualified);
        assertEq(uint256(board.getSubmission(second).copyOf), first);
        assertFalse(board.getSubmission(first).marked);
        uint256 best = board.getBounty(id).bestSubmissionId;
        assertTrue(best == 0 || best == first);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                   FRONT-RUNNING
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev A copier watching the mempool sees trainer1's reveal (hash, uri, salt), commits the same hash and
    /// reveals it in the next block. Whatever the order of inclusion, the copy is disqualified, can never win,
    /// and its trainer's bond is forfeited to the backers.
    function test_FrontRunner_NeverWinsAndForfeitsBond() public {
        Account memory copier = trainer2;
        uint256 victim = commitAs(trainer1, id, H);
        vm.roll(block.number + 5);
        vm.warp(block.timestamp + 5);
        // Block N: the copier's commit lands before the victim's reveal, which lands too.
        uint256 copy = commitAs(copier, id, H);
        bytes32 salt = saltOf(trainer1.addr, H);
        reveal(trainer1, H, salt);
        // Block N + 1: the copier reveals the same hash.
        revealAs(copier, id, H);

        assertTrue(board.getSubmission(copy).verdict == BountyBoard.Verdict.Disqualified);
        assertEq(uint256(board.getSubmission(copy).copyOf), victim);
        // The evaluator cannot score the copy, nobody can reinstate it.
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_AlreadyEvaluated.selector, copy, BountyBoard.Verdict.Disqualified
            )
        );
        evaluate(copy, SCALE);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NotDisputable.selector, copy));
        disputeAs(copier, copy);

        evaluate(victim, WINNING);
        assertTrue(finalizeWhenReady(id) == BountyBoard.Status.Verifying);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), victim);
        revealEvalSet(id);
        vm.warp(block.timestamp + VERIFICATION);
        board.unlockPayout(id);
        vm.prank(trainer1.addr);
        board.withdrawPayout(id, trainer1.addr);

        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotReturnable.selector,
                id,
                copier.addr,
                BountyBoard.BondState.Posted
            )
        );
        vm.prank(copier.addr);
        board.withdrawBond(id, copier.addr);
        board.forfeitBond(id, copier.addr);
        assertEq(board.claimableRevenue(id, alice.addr), BOND * 6 / 10);
        assertEq(board.claimableRevenue(id, bob.addr), BOND * 4 / 10);
    }

    /// @dev The copier is faster: its reveal lands before the victim's. The victim's later reveal still takes the
    /// hash back, because its commit came first.
    function test_FrontRunner_RevealingFirstStillLoses() public {
        Account memory copier = trainer2;
        uint256 victim = commitAs(trainer1, id, H);
        uint256 copy = commitAs(copier, id, H);
        revealAs(copier, id, H);
        evaluate(copy, SCALE); // even scored perfectly before the victim reveals
        revealAs(trainer1, id, H);
        evaluate(victim, WINNING);
        assertEq(uint256(board.getBounty(id).bestSubmissionId), victim);
        assertEq(uint256(board.getSubmission(copy).copyOf), victim);
    }
}
