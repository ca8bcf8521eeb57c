// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { TestToken } from "../../src/TestToken.sol";
import { BaseTest } from "../Base.t.sol";

/// @notice Shared set-up for the BountyBoard (protocol v2) suites: a board with a 2.5% fee, an allowlisted
/// 18-decimal permit token, the "accuracy" (higher is better, [0, 1e9]) and "perplexity" (lower is better,
/// [1e9, int128 max]) metrics, a DAO, an evaluator, an arbiter, three backers, a disputer and three trainers, and
/// helpers for each lifecycle step. Scores are scaled by 1e9, as on the platform.
abstract contract BountyBoardBase is BaseTest {
    uint16 internal constant FEE_BPS = 250;
    uint128 internal constant GOAL = 1000e18;
    uint128 internal constant BOND = 10e18;
    uint128 internal constant DISPUTE_BOND = 4e18;
    uint32 internal constant WINDOW = 1 days;
    uint32 internal constant REVEAL = 1 days;
    uint32 internal constant EVALUATION = 1 days;
    uint32 internal constant VERIFICATION = 2 days;
    uint32 internal constant ARBITRATION = 7 days;
    int128 internal constant SCALE = 1e9;
    int128 internal constant TARGET = 8e8; // accuracy 0.80
    int128 internal constant WINNING = 9e8; // accuracy 0.90
    int128 internal constant LOSING = 5e8; // accuracy 0.50
    bytes32 internal constant SPEC = keccak256("spec");
    bytes32 internal constant ACCURACY = "accuracy";
    bytes32 internal constant PERPLEXITY = "perplexity";
    bytes32 internal constant EVAL_SET_SHA = keccak256("the eval set's sha256");
    bytes32 internal constant EVAL_SALT = keccak256("the eval set's salt");
    string internal constant URI = "crowdtrain://checkpoints/abc";

    BountyBoard internal board;
    TestToken internal token;
    /// @dev sha256(EVAL_SALT ‖ EVAL_SET_SHA), as ml/evalset.ts computes it.
    bytes32 internal evalSetCommitment;

    Account internal dao;
    Account internal evaluator;
    Account internal arbiter;
    Account internal feeRecipient;
    Account internal carol;
    Account internal disputer;
    Account internal trainer1;
    Account internal trainer2;
    Account internal trainer3;

    uint64 internal fundingDeadline;
    uint64 internal deliveryDeadline;

    function setUp() public virtual override {
        super.setUp();
        vm.warp(1_700_000_000);
        vm.roll(100);
        dao = makeAccount("dao");
        evaluator = makeAccount("evaluator");
        arbiter = makeAccount("arbiter");
        feeRecipient = makeAccount("feeRecipient");
        carol = makeAccount("carol");
        disputer = makeAccount("disputer");
        trainer1 = makeAccount("trainer1");
        trainer2 = makeAccount("trainer2");
        trainer3 = makeAccount("trainer3");
        evalSetCommitment = sha256(abi.encodePacked(EVAL_SALT, EVAL_SET_SHA));

        board = new BountyBoard(admin.addr, feeRecipient.addr, FEE_BPS);
        token = new TestToken("Test USD", "TUSD", 18, admin.addr);
        vm.startPrank(admin.addr);
        board.setTokenAllowed(address(token), true);
        board.grantRole(board.DAO_ROLE(), dao.addr);
        board.grantRole(board.EVALUATOR_ROLE(), evaluator.addr);
        board.setMetric(ACCURACY, BountyBoard.Direction.HigherIsBetter, 0, SCALE);
        board.setMetric(PERPLEXITY, BountyBoard.Direction.LowerIsBetter, SCALE, type(int128).max);
        address[7] memory holders =
            [alice.addr, bob.addr, carol.addr, disputer.addr, trainer1.addr, trainer2.addr, trainer3.addr];
        for (uint256 i; i < holders.length; ++i) {
            token.mint(holders[i], 1_000_000e18);
        }
        vm.stopPrank();
        for (uint256 i; i < holders.length; ++i) {
            vm.prank(holders[i]);
            token.approve(address(board), type(uint256).max);
        }
        fundingDeadline = uint64(block.timestamp + 7 days);
        deliveryDeadline = uint64(block.timestamp + 30 days);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      BOUNTIES
    //////////////////////////////////////////////////////////////////////////*/

    function defaultParams() internal view returns (BountyBoard.CreateBountyParams memory) {
        return BountyBoard.CreateBountyParams({
            token: address(token),
            goal: GOAL,
            fundingDeadline: fundingDeadline,
            deliveryDeadline: deliveryDeadline,
            specHash: SPEC,
            evalSetCommitment: evalSetCommitment,
            metricId: ACCURACY,
            targetScore: TARGET,
            direction: BountyBoard.Direction.HigherIsBetter,
            bond: BOND,
            challengeWindow: WINDOW,
            arbiter: arbiter.addr,
            disputeBond: DISPUTE_BOND,
            revealPeriod: REVEAL,
            evaluationPeriod: EVALUATION,
            verificationPeriod: VERIFICATION,
            allowOverfunding: false
        });
    }

    function createBounty() internal returns (uint256) {
        return createBounty(defaultParams());
    }

    function createBounty(BountyBoard.CreateBountyParams memory p) internal returns (uint256 id) {
        vm.prank(dao.addr);
        id = board.createBounty(p, FEE_BPS);
    }

    function fundAs(Account memory backer, uint256 bountyId, uint256 amount) internal returns (uint256) {
        vm.prank(backer.addr);
        return board.fund(bountyId, amount);
    }

    /// @dev A bounty funded to its goal by alice (600) and bob (400).
    function fundedBounty() internal returns (uint256 id) {
        id = createBounty();
        fundAs(alice, id, 600e18);
        fundAs(bob, id, 400e18);
    }

    /// @dev A bounty that failed to reach its goal (alice funded 100).
    function failedBounty() internal returns (uint256 id) {
        id = createBounty();
        fundAs(alice, id, 100e18);
        vm.warp(fundingDeadline);
        board.finalize(id);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      TRAINERS
    //////////////////////////////////////////////////////////////////////////*/

    function claimAs(Account memory trainer, uint256 bountyId) internal {
        vm.prank(trainer.addr);
        board.claim(bountyId);
    }

    /// @dev The salt a trainer uses for a checkpoint in these tests.
    function saltOf(address trainer, bytes32 checkpointHash) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", trainer, checkpointHash));
    }

    function commitmentOf(address trainer, bytes32 checkpointHash) internal pure returns (bytes32) {
        return keccak256(abi.encode(checkpointHash, trainer, saltOf(trainer, checkpointHash)));
    }

    function commitAs(Account memory trainer, uint256 bountyId, bytes32 checkpointHash)
        internal
        returns (uint256 sub)
    {
        vm.prank(trainer.addr);
        sub = board.commitCheckpoint(bountyId, commitmentOf(trainer.addr, checkpointHash));
    }

    /// @dev Reveals in the next block (a reveal must come in a later block than its commit).
    function revealAs(Account memory trainer, uint256 bountyId, bytes32 checkpointHash)
        internal
        returns (uint256 sub)
    {
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        vm.prank(trainer.addr);
        sub = board.revealCheckpoint(bountyId, checkpointHash, URI, saltOf(trainer.addr, checkpointHash));
    }

    /// @dev Commits, then reveals one block later.
    function submitAs(Account memory trainer, uint256 bountyId, bytes32 checkpointHash)
        internal
        returns (uint256 sub)
    {
        sub = commitAs(trainer, bountyId, checkpointHash);
        revealAs(trainer, bountyId, checkpointHash);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  EVALUATION, DISPUTES
    //////////////////////////////////////////////////////////////////////////*/

    function reportOf(uint256 submissionId) internal pure returns (bytes32) {
        return keccak256(abi.encode("report", submissionId));
    }

    function evaluate(uint256 submissionId, int128 score) internal {
        vm.prank(evaluator.addr);
        board.publishEvaluation(submissionId, score, reportOf(submissionId));
    }

    function disqualify(uint256 submissionId, uint256 copyOf) internal {
        vm.prank(evaluator.addr);
        board.disqualifySubmission(submissionId, reportOf(submissionId), copyOf);
    }

    function disputeAs(Account memory who, uint256 submissionId) internal returns (uint256 disputeId) {
        vm.prank(who.addr);
        disputeId = board.dispute(submissionId, keccak256(abi.encode("reason", submissionId)));
    }

    function resolve(uint256 disputeId, bool upheld, bool disqualify_, int128 correctedScore) internal {
        vm.prank(arbiter.addr);
        board.resolveDispute(disputeId, upheld, disqualify_, correctedScore, keccak256("ruling"));
    }

    /// @dev A funded bounty whose trainer1 submission scored `score`; returns (bountyId, submissionId).
    function scoredBounty(int128 score) internal returns (uint256 id, uint256 sub) {
        id = fundedBounty();
        claimAs(trainer1, id);
        sub = submitAs(trainer1, id, keccak256("ckpt-1"));
        evaluate(sub, score);
    }

    /// @dev Finalizes at the earliest time the board allows.
    function finalizeWhenReady(uint256 id) internal returns (BountyBoard.Status) {
        uint256 readyAt = board.finalizableAt(id);
        if (block.timestamp < readyAt) vm.warp(readyAt);
        return board.finalize(id);
    }

    /// @dev A Verifying bounty won by trainer1 (0.90); returns (bountyId, submissionId).
    function verifyingBounty() internal returns (uint256 id, uint256 sub) {
        (id, sub) = scoredBounty(WINNING);
        finalizeWhenReady(id);
    }

    function revealEvalSet(uint256 id) internal {
        vm.prank(dao.addr);
        board.revealEvalSet(id, EVAL_SET_SHA, EVAL_SALT, "crowdtrain://eval-sets/1");
    }

    /// @dev A Fulfilled bounty won by trainer1: the eval set revealed, the verification period over, unlocked.
    function fulfilledBounty() internal returns (uint256 id, uint256 sub) {
        (id, sub) = verifyingBounty();
        revealEvalSet(id);
        vm.warp(block.timestamp + VERIFICATION);
        board.unlockPayout(id);
    }

    function status(uint256 bountyId) internal view returns (BountyBoard.Status) {
        return board.getBounty(bountyId).status;
    }

    function expectWrongStatus(uint256 id, BountyBoard.Status s) internal {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_WrongStatus.selector, id, s));
    }

    function bondState(uint256 id, address trainer) internal view returns (BountyBoard.BondState) {
        return board.getClaim(id, trainer).bondState;
    }

    /// @dev The board's balance of `token` and its liabilities both equal `expected`.
    function assertHeld(uint256 expected) internal {
        assertEq(board.liabilities(address(token)), expected, "liabilities");
        assertEq(token.balanceOf(address(board)), expected, "board balance");
    }
}
