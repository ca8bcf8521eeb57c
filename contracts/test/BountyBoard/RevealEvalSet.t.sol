// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract RevealEvalSetTest is BountyBoardBase {
    event EvalSetRevealed(
        uint256 indexed bountyId, bytes32 evalSetSha256, bytes32 salt, string uri, uint64 unlockAt
    );

    uint256 internal id;

    function setUp() public override {
        super.setUp();
        (id,) = verifyingBounty();
    }

    function test_RevealEvalSet_StartsTheVerificationPeriod() public {
        uint256 finalizedAt = board.getBounty(id).finalizedAt;
        assertEq(board.unlockAt(id), finalizedAt + REVEAL);
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(true, false, false, true, address(board));
        emit EvalSetRevealed(
            id, EVAL_SET_SHA, EVAL_SALT, "crowdtrain://eval-sets/1", uint64(block.timestamp + VERIFICATION)
        );
        vm.prank(carol.addr); // anyone holding the salt
        board.revealEvalSet(id, EVAL_SET_SHA, EVAL_SALT, "crowdtrain://eval-sets/1");
        assertEq(uint256(board.getBounty(id).evalSetRevealedAt), block.timestamp);
        assertEq(board.unlockAt(id), block.timestamp + VERIFICATION);
    }

    /// @dev The commitment is sha256(salt ‖ evalSetSha256): swapping the two fails.
    function test_RevertWhen_EvalSetMismatch() public {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_EvalSetMismatch.selector, id, evalSetCommitment)
        );
        board.revealEvalSet(id, EVAL_SALT, EVAL_SET_SHA, "u");
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_EvalSetMismatch.selector, id, evalSetCommitment)
        );
        board.revealEvalSet(id, EVAL_SET_SHA, keccak256("wrong salt"), "u");
    }

    function testFuzz_RevertWhen_EvalSetMismatch(bytes32 sha, bytes32 salt) public {
        vm.assume(sha256(abi.encodePacked(salt, sha)) != evalSetCommitment);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_EvalSetMismatch.selector, id, evalSetCommitment)
        );
        board.revealEvalSet(id, sha, salt, "u");
    }

    /// @dev Revealed after its deadline (finalizedAt + revealPeriod), the reveal does not extend the lock.
    function test_RevealEvalSet_LateRevealDoesNotExtend() public {
        uint256 deadline = uint256(board.getBounty(id).finalizedAt) + REVEAL;
        vm.warp(deadline + 1 hours);
        revealEvalSet(id);
        assertEq(board.unlockAt(id), deadline);
        board.unlockPayout(id);
    }

    /// @dev No reveal at all: the payout unlocks at the reveal deadline; the trainer is not punished for the DAO's
    /// silence.
    function test_NoReveal_UnlocksAtTheRevealDeadline() public {
        uint256 deadline = uint256(board.getBounty(id).finalizedAt) + REVEAL;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_PayoutLocked.selector, id, deadline));
        board.unlockPayout(id);
        vm.warp(deadline);
        board.unlockPayout(id);
        assertTrue(status(id) == BountyBoard.Status.Fulfilled);
    }

    function test_RevealEvalSet_AfterFulfilled() public {
        vm.warp(block.timestamp + REVEAL);
        board.unlockPayout(id);
        revealEvalSet(id);
        assertEq(uint256(board.getBounty(id).evalSetRevealedAt), block.timestamp);
    }

    function test_RevertWhen_RevealEvalSetTwice() public {
        revealEvalSet(id);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_EvalSetAlreadyRevealed.selector, id));
        revealEvalSet(id);
    }

    function test_RevertWhen_RevealEvalSetBeforeFinalization() public {
        uint256 other = fundedBounty();
        expectWrongStatus(other, BountyBoard.Status.Funded);
        revealEvalSet(other);
    }

    function test_RevertWhen_RevealEvalSetBadUri() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadUri.selector, 0));
        board.revealEvalSet(id, EVAL_SET_SHA, EVAL_SALT, "");
    }

    function test_RevertWhen_RevealEvalSetUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 6));
        board.revealEvalSet(6, EVAL_SET_SHA, EVAL_SALT, "u");
    }

    function test_RevealEvalSet_WorksWhilePaused() public {
        vm.prank(admin.addr);
        board.pause();
        revealEvalSet(id);
    }
}
