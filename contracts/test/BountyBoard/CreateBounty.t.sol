// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";
import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract CreateBountyTest is BountyBoardBase {
    event BountyCreated(
        uint256 indexed bountyId,
        address indexed dao,
        address indexed token,
        BountyBoard.CreateBountyParams params,
        uint16 feeBps
    );

    function expectPeriodOutOfBounds(string memory field, uint256 value, uint256 min, uint256 max) internal {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_PeriodOutOfBounds.selector, field, value, min, max)
        );
    }

    function test_CreateBounty_StoresEverythingAndEmits() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.allowOverfunding = true;
        vm.expectEmit(true, true, true, true, address(board));
        emit BountyCreated(1, dao.addr, address(token), p, FEE_BPS);
        uint256 id = createBounty(p);
        assertEq(id, 1);

        BountyBoard.Bounty memory b = board.getBounty(id);
        assertTrue(b.status == BountyBoard.Status.Funding);
        assertEq(b.token, address(token));
        assertEq(b.dao, dao.addr);
        assertEq(b.arbiter, arbiter.addr);
        assertEq(uint256(b.goal), GOAL);
        assertEq(uint256(b.fundingDeadline), fundingDeadline);
        assertEq(uint256(b.deliveryDeadline), deliveryDeadline);
        assertEq(uint256(b.challengeWindow), WINDOW);
        assertEq(uint256(b.revealPeriod), REVEAL);
        assertEq(uint256(b.evaluationPeriod), EVALUATION);
        assertEq(uint256(b.verificationPeriod), VERIFICATION);
        assertEq(int256(b.targetScore), int256(TARGET));
        assertEq(uint256(b.bond), BOND);
        assertEq(uint256(b.disputeBond), DISPUTE_BOND);
        assertEq(uint256(b.feeBps), FEE_BPS);
        assertEq(uint256(b.decimals), 18);
        assertTrue(b.allowOverfunding);
        assertEq(b.specHash, SPEC);
        assertEq(b.evalSetCommitment, evalSetCommitment);
        assertEq(b.metricId, ACCURACY);
        (uint256 bounties,,) = board.counts();
        assertEq(bounties, 1);
    }

    function test_CreateBounty_IdsIncrement() public {
        assertEq(createBounty(), 1);
        assertEq(createBounty(), 2);
    }

    function test_CreateBounty_LowerIsBetterMetric() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.metricId = PERPLEXITY;
        p.direction = BountyBoard.Direction.LowerIsBetter;
        p.targetScore = 12e9;
        uint256 id = createBounty(p);
        assertTrue(board.getBounty(id).direction == BountyBoard.Direction.LowerIsBetter);
    }

    function test_CreateBounty_ZeroBondsAndPeriodsAtTheMinimums() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.bond = 0;
        p.disputeBond = 0;
        BountyBoard.Limits memory l = board.limits();
        p.challengeWindow = l.minChallengeWindow;
        p.revealPeriod = l.minRevealPeriod;
        p.evaluationPeriod = l.minEvaluationPeriod;
        p.verificationPeriod = l.minVerificationPeriod;
        p.fundingDeadline = uint64(block.timestamp + l.maxFundingPeriod);
        p.deliveryDeadline = p.fundingDeadline + l.maxDeliveryPeriod;
        createBounty(p);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                        FEE
    //////////////////////////////////////////////////////////////////////////*/

    function testFuzz_CreateBounty_AcceptsFeeUpToMax(uint16 maxFeeBps) public {
        maxFeeBps = uint16(bound(maxFeeBps, FEE_BPS, type(uint16).max));
        vm.prank(dao.addr);
        uint256 id = board.createBounty(defaultParams(), maxFeeBps);
        assertEq(uint256(board.getBounty(id).feeBps), FEE_BPS);
    }

    function testFuzz_RevertWhen_FeeRoseAboveMax(uint16 maxFeeBps) public {
        maxFeeBps = uint16(bound(maxFeeBps, 0, FEE_BPS - 1));
        BountyBoard.CreateBountyParams memory p = defaultParams();
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_FeeAboveMax.selector, FEE_BPS, maxFeeBps)
        );
        vm.prank(dao.addr);
        board.createBounty(p, maxFeeBps);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 ROLES, TOKEN, PAUSE
    //////////////////////////////////////////////////////////////////////////*/

    function test_RevertWhen_CallerLacksDaoRole() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice.addr, board.DAO_ROLE()
            )
        );
        vm.prank(alice.addr);
        board.createBounty(p, FEE_BPS);
    }

    function test_RevertWhen_Paused() public {
        vm.prank(admin.addr);
        board.pause();
        BountyBoard.CreateBountyParams memory p = defaultParams();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(dao.addr);
        board.createBounty(p, FEE_BPS);
    }

    function test_RevertWhen_TokenNotAllowed() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.token = address(0xBEEF);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_TokenNotAllowed.selector, address(0xBEEF))
        );
        createBounty(p);
    }

    function test_RevertWhen_TokenDelisted() public {
        vm.prank(admin.addr);
        board.setTokenAllowed(address(token), false);
        BountyBoard.CreateBountyParams memory p = defaultParams();
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_TokenNotAllowed.selector, address(token))
        );
        createBounty(p);
    }

    function test_RevertWhen_ZeroGoal() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.goal = 0;
        vm.expectRevert(BountyBoard.BountyBoard_ZeroGoal.selector);
        createBounty(p);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      ARBITER
    //////////////////////////////////////////////////////////////////////////*/

    function test_RevertWhen_ArbiterZero() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.arbiter = address(0);
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        createBounty(p);
    }

    function test_RevertWhen_ArbiterIsEvaluator() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.arbiter = evaluator.addr;
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_ArbiterIsEvaluator.selector, evaluator.addr)
        );
        createBounty(p);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       HASHES
    //////////////////////////////////////////////////////////////////////////*/

    function test_RevertWhen_ZeroSpecHash() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.specHash = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "specHash"));
        createBounty(p);
    }

    function test_RevertWhen_ZeroEvalSetCommitment() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.evalSetCommitment = bytes32(0);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "evalSetCommitment")
        );
        createBounty(p);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     DEADLINES
    //////////////////////////////////////////////////////////////////////////*/

    function testFuzz_RevertWhen_FundingDeadlineNotInFuture(uint64 deadline) public {
        deadline = uint64(bound(deadline, 0, block.timestamp));
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.fundingDeadline = deadline;
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_FundingDeadlineNotInFuture.selector, deadline, block.timestamp
            )
        );
        createBounty(p);
    }

    function testFuzz_RevertWhen_DeliveryNotAfterFunding(uint64 delivery) public {
        delivery = uint64(bound(delivery, 0, fundingDeadline));
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.deliveryDeadline = delivery;
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_DeliveryBeforeFunding.selector, fundingDeadline, delivery
            )
        );
        createBounty(p);
    }

    function test_RevertWhen_FundingPeriodTooLong() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        uint256 max = board.limits().maxFundingPeriod;
        // forge-lint: disable-next-line(unsafe-typecast)
        p.fundingDeadline = uint64(block.timestamp + max + 1);
        p.deliveryDeadline = p.fundingDeadline + 1 days;
        expectPeriodOutOfBounds("fundingPeriod", max + 1, 1, max);
        createBounty(p);
    }

    function test_RevertWhen_DeliveryPeriodTooLong() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        uint256 max = board.limits().maxDeliveryPeriod;
        // forge-lint: disable-next-line(unsafe-typecast)
        p.deliveryDeadline = uint64(p.fundingDeadline + max + 1);
        expectPeriodOutOfBounds("deliveryPeriod", max + 1, 1, max);
        createBounty(p);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      PERIODS
    //////////////////////////////////////////////////////////////////////////*/

    function test_RevertWhen_ChallengeWindowOutOfBounds() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        uint256 min = board.limits().minChallengeWindow;
        uint256 max = board.PERIOD_CEILING();
        // forge-lint: disable-next-line(unsafe-typecast)
        p.challengeWindow = uint32(min - 1);
        expectPeriodOutOfBounds("challengeWindow", min - 1, min, max);
        createBounty(p);
        // forge-lint: disable-next-line(unsafe-typecast)
        p.challengeWindow = uint32(max + 1);
        expectPeriodOutOfBounds("challengeWindow", max + 1, min, max);
        createBounty(p);
    }

    function test_RevertWhen_ZeroChallengeWindow() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.challengeWindow = 0;
        expectPeriodOutOfBounds("challengeWindow", 0, WINDOW, board.PERIOD_CEILING());
        createBounty(p);
    }

    function test_RevertWhen_RevealPeriodOutOfBounds() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        uint256 min = board.limits().minRevealPeriod;
        uint256 max = board.PERIOD_CEILING();
        // forge-lint: disable-next-line(unsafe-typecast)
        p.revealPeriod = uint32(min - 1);
        expectPeriodOutOfBounds("revealPeriod", min - 1, min, max);
        createBounty(p);
        // forge-lint: disable-next-line(unsafe-typecast)
        p.revealPeriod = uint32(max + 1);
        expectPeriodOutOfBounds("revealPeriod", max + 1, min, max);
        createBounty(p);
    }

    function test_RevertWhen_EvaluationPeriodOutOfBounds() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        uint256 min = board.limits().minEvaluationPeriod;
        uint256 max = board.PERIOD_CEILING();
        // forge-lint: disable-next-line(unsafe-typecast)
        p.evaluationPeriod = uint32(min - 1);
        expectPeriodOutOfBounds("evaluationPeriod", min - 1, min, max);
        createBounty(p);
        // forge-lint: disable-next-line(unsafe-typecast)
        p.evaluationPeriod = uint32(max + 1);
        expectPeriodOutOfBounds("evaluationPeriod", max + 1, min, max);
        createBounty(p);
    }

    function test_RevertWhen_VerificationPeriodOutOfBounds() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        uint256 min = board.limits().minVerificationPeriod;
        uint256 max = board.PERIOD_CEILING();
        // forge-lint: disable-next-line(unsafe-typecast)
        p.verificationPeriod = uint32(min - 1);
        expectPeriodOutOfBounds("verificationPeriod", min - 1, min, max);
        createBounty(p);
        // forge-lint: disable-next-line(unsafe-typecast)
        p.verificationPeriod = uint32(max + 1);
        expectPeriodOutOfBounds("verificationPeriod", max + 1, min, max);
        createBounty(p);
    }

    function testFuzz_CreateBounty_PeriodsWithinLimits(
        uint32[4] memory periods,
        uint64 funding,
        uint64 delivery
    ) public {
        BountyBoard.Limits memory l = board.limits();
        BountyBoard.CreateBountyParams memory p = defaultParams();
        uint32 ceiling = board.PERIOD_CEILING();
        p.challengeWindow = uint32(bound(periods[0], l.minChallengeWindow, ceiling));
        p.revealPeriod = uint32(bound(periods[1], l.minRevealPeriod, ceiling));
        p.evaluationPeriod = uint32(bound(periods[2], l.minEvaluationPeriod, ceiling));
        p.verificationPeriod = uint32(bound(periods[3], l.minVerificationPeriod, ceiling));
        p.fundingDeadline = uint64(block.timestamp + bound(funding, 1, l.maxFundingPeriod));
        p.deliveryDeadline = uint64(p.fundingDeadline + bound(delivery, 1, l.maxDeliveryPeriod));
        uint256 id = createBounty(p);
        assertEq(uint256(board.getBounty(id).revealPeriod), p.revealPeriod);
    }

    function test_CreateBounty_LimitsApplyFromNowOn() public {
        BountyBoard.Limits memory l = board.limits();
        l.minChallengeWindow = 2 days;
        vm.prank(admin.addr);
        board.setLimits(l);
        BountyBoard.CreateBountyParams memory p = defaultParams(); // window 1 day
        expectPeriodOutOfBounds("challengeWindow", WINDOW, 2 days, board.PERIOD_CEILING());
        createBounty(p);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  METRIC AND TARGET
    //////////////////////////////////////////////////////////////////////////*/

    function test_RevertWhen_MetricNotRegistered() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.metricId = "bleu";
        vm.expectRevert(
            // forge-lint: disable-next-line(unsafe-typecast)
            abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownMetric.selector, bytes32("bleu"))
        );
        createBounty(p);
    }

    function test_RevertWhen_ZeroMetricId() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.metricId = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownMetric.selector, bytes32(0)));
        createBounty(p);
    }

    function test_RevertWhen_DirectionIsNotTheMetrics() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.direction = BountyBoard.Direction.LowerIsBetter;
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongDirection.selector, ACCURACY, BountyBoard.Direction.LowerIsBetter
            )
        );
        createBounty(p);
    }

    /// @dev Higher is better: a target at the metric's minimum would let every score qualify.
    function test_RevertWhen_TargetIsTheWorstValue_HigherIsBetter() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.targetScore = 0;
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_TargetOutOfRange.selector, 0, 0, SCALE)
        );
        createBounty(p);
    }

    function test_CreateBounty_TargetAtBounds_HigherIsBetter() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.targetScore = 1;
        createBounty(p);
        p.targetScore = SCALE; // the best value: only a perfect score qualifies
        createBounty(p);
    }

    function testFuzz_RevertWhen_TargetOutOfRange_HigherIsBetter(int128 target) public {
        vm.assume(target <= 0 || target > SCALE);
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.targetScore = target;
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_TargetOutOfRange.selector, target, 0, SCALE)
        );
        createBounty(p);
    }

    /// @dev Lower is better: a target at the metric's maximum would let every score qualify.
    function test_RevertWhen_TargetIsTheWorstValue_LowerIsBetter() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.metricId = PERPLEXITY;
        p.direction = BountyBoard.Direction.LowerIsBetter;
        p.targetScore = type(int128).max;
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_TargetOutOfRange.selector, type(int128).max, SCALE, type(int128).max
            )
        );
        createBounty(p);
    }

    function testFuzz_TargetRange_LowerIsBetter(int128 target) public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.metricId = PERPLEXITY;
        p.direction = BountyBoard.Direction.LowerIsBetter;
        p.targetScore = target;
        if (target >= SCALE && target < type(int128).max) {
            uint256 id = createBounty(p);
            assertEq(int256(board.getBounty(id).targetScore), int256(target));
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(
                    BountyBoard.BountyBoard_TargetOutOfRange.selector, target, SCALE, type(int128).max
                )
            );
            createBounty(p);
        }
    }
}
