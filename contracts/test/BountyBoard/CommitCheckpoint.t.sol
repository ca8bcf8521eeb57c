// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract CommitCheckpointTest is BountyBoardBase {
    event CheckpointCommitted(
        uint256 indexed bountyId, uint256 indexed submissionId, address indexed trainer, bytes32 commitment
    );

    uint256 internal id;

    function setUp() public override {
        super.setUp();
        id = fundedBounty();
        claimAs(trainer1, id);
    }

    function test_Commit_CreatesSubmissionInCommitOrder() public {
        bytes32 commitment = commitmentOf(trainer1.addr, keccak256("a"));
        vm.expectEmit(true, true, true, true, address(board));
        emit CheckpointCommitted(id, 1, trainer1.addr, commitment);
        uint256 sub = commitAs(trainer1, id, keccak256("a"));
        assertEq(sub, 1);
        claimAs(trainer2, id);
        assertEq(commitAs(trainer2, id, keccak256("b")), 2);

        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertEq(s.trainer, trainer1.addr);
        assertEq(uint256(s.bountyId), id);
        assertEq(uint256(s.revealedAt), 0);
        (uint256 committed, uint256 committedAt) = board.submissionOfCommitment(id, commitment);
        assertEq(committed, sub);
        assertEq(committedAt, block.timestamp);
        assertEq(uint256(board.getClaim(id, trainer1.addr).commits), 1);
        BountyBoard.Bounty memory b = board.getBounty(id);
        assertEq(uint256(b.unrevealed), 2);
        assertEq(uint256(b.lastRevealDeadline), block.timestamp + REVEAL);
        (, uint256 submissions,) = board.counts();
        assertEq(submissions, 2);
    }

    function test_Commit_MatchesCommitmentOf() public {
        bytes32 h = keccak256("a");
        assertEq(
            board.commitmentOf(h, trainer1.addr, saltOf(trainer1.addr, h)), commitmentOf(trainer1.addr, h)
        );
    }

    function test_Commit_UpToTheMaximum() public {
        uint256 max = board.MAX_SUBMISSIONS_PER_TRAINER();
        for (uint256 i; i < max; ++i) {
            commitAs(trainer1, id, keccak256(abi.encode(i)));
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_TooManySubmissions.selector, id, trainer1.addr, max
            )
        );
        commitAs(trainer1, id, keccak256("one more"));
    }

    function test_RevertWhen_CommitWithoutClaim() public {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NotClaimant.selector, id, trainer2.addr)
        );
        commitAs(trainer2, id, keccak256("a"));
    }

    function test_RevertWhen_CommitZero() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "commitment"));
        vm.prank(trainer1.addr);
        board.commitCheckpoint(id, bytes32(0));
    }

    function test_RevertWhen_CommitSameCommitmentTwice() public {
        uint256 sub = commitAs(trainer1, id, keccak256("a"));
        bytes32 commitment = commitmentOf(trainer1.addr, keccak256("a"));
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_DuplicateCommitment.selector, id, commitment, sub)
        );
        commitAs(trainer1, id, keccak256("a"));
    }

    function testFuzz_RevertWhen_CommitAfterDeliveryDeadline(uint256 late) public {
        vm.warp(bound(late, deliveryDeadline, type(uint40).max));
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_DeliveryClosed.selector, id, deliveryDeadline)
        );
        commitAs(trainer1, id, keccak256("a"));
    }

    function test_RevertWhen_CommitWhileFunding() public {
        uint256 other = createBounty();
        expectWrongStatus(other, BountyBoard.Status.Funding);
        commitAs(trainer1, other, keccak256("a"));
    }

    function test_RevertWhen_CommitAfterFinalize() public {
        evaluate(submitAs(trainer1, id, keccak256("a")), WINNING);
        finalizeWhenReady(id);
        expectWrongStatus(id, BountyBoard.Status.Verifying);
        commitAs(trainer1, id, keccak256("b"));
    }

    function test_RevertWhen_CommitUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 77));
        commitAs(trainer1, 77, keccak256("a"));
    }

    function test_RevertWhen_CommitPaused() public {
        vm.prank(admin.addr);
        board.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        commitAs(trainer1, id, keccak256("a"));
    }
}
