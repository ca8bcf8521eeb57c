// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { TestToken } from "../../src/TestToken.sol";
import { BaseTest } from "../Base.t.sol";

/// @notice Shared set-up for the BountyBoard suites: a board with a 2.5% fee, an allowlisted 18-decimal permit
/// token, a DAO, an evaluator, three backers and two trainers, and helpers for each lifecycle step.
abstract contract BountyBoardBase is BaseTest {
    uint16 internal constant FEE_BPS = 250;
    uint128 internal constant GOAL = 1000e18;
    uint128 internal constant BOND = 10e18;
    uint32 internal constant WINDOW = 1 days;
    int128 internal constant TARGET = 80e16; // e.g. accuracy 0.80, scaled by 1e18
    bytes32 internal constant SPEC = keccak256("spec");
    bytes32 internal constant COMMITMENT = keccak256("eval set + salt");
    bytes32 internal constant METRIC = "accuracy";

    BountyBoard internal board;
    TestToken internal token;

    Account internal dao;
    Account internal evaluator;
    Account internal feeRecipient;
    Account internal carol;
    Account internal trainer1;
    Account internal trainer2;

    uint64 internal fundingDeadline;
    uint64 internal deliveryDeadline;

    function setUp() public virtual override {
        super.setUp();
        vm.warp(1_700_000_000);
        dao = makeAccount("dao");
        evaluator = makeAccount("evaluator");
        feeRecipient = makeAccount("feeRecipient");
        carol = makeAccount("carol");
        trainer1 = makeAccount("trainer1");
        trainer2 = makeAccount("trainer2");

        board = new BountyBoard(admin.addr, feeRecipient.addr, FEE_BPS);
        token = new TestToken("Test USD", "TUSD", 18, admin.addr);
        vm.startPrank(admin.addr);
        board.setTokenAllowed(address(token), true);
        board.grantRole(board.DAO_ROLE(), dao.addr);
        board.grantRole(board.EVALUATOR_ROLE(), evaluator.addr);
        address[5] memory holders = [alice.addr, bob.addr, carol.addr, trainer1.addr, trainer2.addr];
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

    function defaultParams() internal view returns (BountyBoard.CreateBountyParams memory) {
        return BountyBoard.CreateBountyParams({
            token: address(token),
            goal: GOAL,
            fundingDeadline: fundingDeadline,
            deliveryDeadline: deliveryDeadline,
            specHash: SPEC,
            evalSetCommitment: COMMITMENT,
            metricId: METRIC,
            targetScore: TARGET,
            direction: BountyBoard.Direction.HigherIsBetter,
            bond: BOND,
            challengeWindow: WINDOW
        });
    }

    function createBounty() internal returns (uint256) {
        return createBounty(defaultParams());
    }

    function createBounty(BountyBoard.CreateBountyParams memory p) internal returns (uint256 id) {
        vm.prank(dao.addr);
        id = board.createBounty(p);
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

    function claimAs(Account memory trainer, uint256 bountyId) internal {
        vm.prank(trainer.addr);
        board.claim(bountyId);
    }

    function submitAs(Account memory trainer, uint256 bountyId, bytes32 checkpointHash)
        internal
        returns (uint256)
    {
        vm.prank(trainer.addr);
        return board.submitCheckpoint(bountyId, checkpointHash, "crowdtrain://checkpoints/abc");
    }

    function evaluate(uint256 submissionId, int128 score) internal {
        vm.prank(evaluator.addr);
        board.publishEvaluation(submissionId, score, keccak256(abi.encode("report", submissionId)));
    }

    /// @dev A funded bounty whose trainer1 submission scored `score`; returns (bountyId, submissionId).
    function scoredBounty(int128 score) internal returns (uint256 id, uint256 sub) {
        id = fundedBounty();
        claimAs(trainer1, id);
        sub = submitAs(trainer1, id, keccak256("ckpt-1"));
        evaluate(sub, score);
    }

    /// @dev A fulfilled bounty won by trainer1; returns (bountyId, submissionId).
    function fulfilledBounty() internal returns (uint256 id, uint256 sub) {
        (id, sub) = scoredBounty(90e16);
        vm.warp(deliveryDeadline);
        board.finalize(id);
    }

    /// @dev A bounty that failed to reach its goal (alice funded 100).
    function failedBounty() internal returns (uint256 id) {
        id = createBounty();
        fundAs(alice, id, 100e18);
        vm.warp(fundingDeadline);
        board.finalize(id);
    }

    function status(uint256 bountyId) internal view returns (BountyBoard.Status) {
        return board.getBounty(bountyId).status;
    }
}
