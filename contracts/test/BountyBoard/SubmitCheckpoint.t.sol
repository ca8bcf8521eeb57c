// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract SubmitCheckpointTest is BountyBoardBase {
    event CheckpointSubmitted(
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        address indexed trainer,
        bytes32 checkpointHash,
        string uri,
        uint64 submittedAt
    );

    uint256 internal id;

    function setUp() public override {
        super.setUp();
        id = fundedBounty();
        claimAs(trainer1, id);
    }

    function test_Submit_RecordsSubmission() public {
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(true, true, true, true, address(board));
        emit CheckpointSubmitted(
            id, 1, trainer1.addr, keccak256("a"), "https://pool.example/a.onnx", uint64(block.timestamp)
        );
        vm.prank(trainer1.addr);
        uint256 sub = board.submitCheckpoint(id, keccak256("a"), "https://pool.example/a.onnx");

        assertEq(sub, 1);
        BountyBoard.Submission memory s = board.getSubmission(sub);
        assertEq(s.trainer, trainer1.addr);
        assertEq(uint256(s.bountyId), id);
        assertEq(uint256(s.submittedAt), block.timestamp);
        assertEq(s.checkpointHash, keccak256("a"));
        assertTrue(s.verdict == BountyBoard.Verdict.Pending);
        assertEq(board.submissionOf(id, keccak256("a")), sub);
        assertEq(uint256(board.getBounty(id).pendingEvaluations), 1);
        assertEq(uint256(board.getClaim(id, trainer1.addr).submissions), 1);
    }

    function test_RevertWhen_DuplicateHashEvenFromAnotherTrainer() public {
        uint256 first = submitAs(trainer1, id, keccak256("model"));
        claimAs(trainer2, id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_DuplicateCheckpoint.selector, id, keccak256("model"), first
            )
        );
        submitAs(trainer2, id, keccak256("model"));
    }

    function test_Submit_SameHashOnAnotherBountyIsFine() public {
        submitAs(trainer1, id, keccak256("model"));
        uint256 other = fundedBounty();
        claimAs(trainer1, other);
        submitAs(trainer1, other, keccak256("model"));
        assertEq(board.submissionOf(other, keccak256("model")), 2);
    }

    function test_RevertWhen_TooManySubmissions() public {
        for (uint256 i; i < 5; ++i) {
            submitAs(trainer1, id, keccak256(abi.encode(i)));
        }
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_TooManySubmissions.selector, id, trainer1.addr, 5)
        );
        submitAs(trainer1, id, keccak256("one more"));
    }

    function test_RevertWhen_NotClaimant() public {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NotClaimant.selector, id, trainer2.addr)
        );
        submitAs(trainer2, id, keccak256("x"));
    }

    function test_RevertWhen_AfterDeliveryDeadline() public {
        vm.warp(deliveryDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_DeliveryClosed.selector, id, deliveryDeadline)
        );
        submitAs(trainer1, id, keccak256("late"));
    }

    function test_RevertWhen_ZeroHash() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "checkpointHash"));
        submitAs(trainer1, id, bytes32(0));
    }

    function test_RevertWhen_UriEmptyOrTooLong() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadUri.selector, 0));
        vm.prank(trainer1.addr);
        board.submitCheckpoint(id, keccak256("a"), "");
        string memory long = string(new bytes(513));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadUri.selector, 513));
        vm.prank(trainer1.addr);
        board.submitCheckpoint(id, keccak256("a"), long);
    }

    function test_RevertWhen_BountyFinalized() public {
        uint256 sub = submitAs(trainer1, id, keccak256("a"));
        evaluate(sub, 90e16);
        vm.warp(block.timestamp + WINDOW);
        board.finalize(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Fulfilled
            )
        );
        submitAs(trainer1, id, keccak256("b"));
    }
}
