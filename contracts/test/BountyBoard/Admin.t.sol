// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    IERC6909,
    IERC6909Metadata,
    IERC6909TokenSupply
} from "@openzeppelin/contracts/interfaces/IERC6909.sol";
import { IERC165 } from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { TestToken } from "../../src/TestToken.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice The constructor, the admin setters (allowlist, fee, fee recipient, limits, metrics), sweep, and the
/// ERC-6909 metadata and supply views.
contract AdminTest is BountyBoardBase {
    event TokenAllowlistUpdated(address indexed token, bool allowed);
    event FeeUpdated(uint16 previousBps, uint16 newBps);
    event FeeRecipientUpdated(address indexed previousRecipient, address indexed newRecipient);
    event LimitsUpdated(BountyBoard.Limits limits);
    event MetricSet(bytes32 indexed metricId, BountyBoard.Direction direction, int128 min, int128 max);
    event Swept(address indexed token, address indexed to, uint256 amount);

    function expectUnauthorized(address account, bytes32 role) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role)
        );
    }

    function defaultLimits() internal pure returns (BountyBoard.Limits memory) {
        return BountyBoard.Limits({
            minChallengeWindow: 1 days,
            minRevealPeriod: 1 days,
            minEvaluationPeriod: 1 days,
            minVerificationPeriod: 2 days,
            maxFundingPeriod: 180 days,
            maxDeliveryPeriod: 365 days,
            arbitrationPeriod: 7 days
        });
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    function test_Constructor_SetsAdminFeesAndLimits() public {
        assertTrue(board.hasRole(board.DEFAULT_ADMIN_ROLE(), admin.addr));
        assertTrue(board.hasRole(board.PAUSER_ROLE(), admin.addr));
        (uint16 bps, address recipient) = board.feeConfig();
        assertEq(uint256(bps), FEE_BPS);
        assertEq(recipient, feeRecipient.addr);
        BountyBoard.Limits memory l = board.limits();
        BountyBoard.Limits memory d = defaultLimits();
        assertEq(keccak256(abi.encode(l)), keccak256(abi.encode(d)));
        (uint256 bounties, uint256 submissions, uint256 disputes) = board.counts();
        assertEq(bounties + submissions + disputes, 0);
    }

    function test_RevertWhen_ConstructorZeroAddress() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        new BountyBoard(address(0), feeRecipient.addr, FEE_BPS);
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        new BountyBoard(admin.addr, address(0), FEE_BPS);
    }

    function test_RevertWhen_ConstructorFeeTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_FeeTooHigh.selector, 1001, 1000));
        new BountyBoard(admin.addr, feeRecipient.addr, 1001);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 ALLOWLIST AND FEES
    //////////////////////////////////////////////////////////////////////////*/

    function test_SetTokenAllowed_TogglesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(board));
        emit TokenAllowlistUpdated(address(token), false);
        vm.prank(admin.addr);
        board.setTokenAllowed(address(token), false);
        assertFalse(board.isTokenAllowed(address(token)));
        vm.prank(admin.addr);
        board.setTokenAllowed(address(token), true);
        assertTrue(board.isTokenAllowed(address(token)));
    }

    function test_RevertWhen_SetTokenAllowedZeroAddress() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(admin.addr);
        board.setTokenAllowed(address(0), true);
    }

    function test_RevertWhen_SetTokenAllowedByNonAdmin() public {
        expectUnauthorized(alice.addr, board.DEFAULT_ADMIN_ROLE());
        vm.prank(alice.addr);
        board.setTokenAllowed(address(token), false);
    }

    function test_SetFee_AppliesToNewBountiesOnly() public {
        uint256 before = createBounty();
        vm.expectEmit(false, false, false, true, address(board));
        emit FeeUpdated(FEE_BPS, 500);
        vm.prank(admin.addr);
        board.setFee(500);
        vm.prank(dao.addr);
        uint256 later = board.createBounty(defaultParams(), 500);
        assertEq(uint256(board.getBounty(before).feeBps), FEE_BPS);
        assertEq(uint256(board.getBounty(later).feeBps), 500);
    }

    function testFuzz_RevertWhen_SetFeeAboveCap(uint16 bps) public {
        bps = uint16(bound(bps, 1001, type(uint16).max));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_FeeTooHigh.selector, bps, 1000));
        vm.prank(admin.addr);
        board.setFee(bps);
    }

    function test_RevertWhen_SetFeeByNonAdmin() public {
        expectUnauthorized(dao.addr, board.DEFAULT_ADMIN_ROLE());
        vm.prank(dao.addr);
        board.setFee(0);
    }

    function test_SetFeeRecipient_ChangesAndEmits() public {
        vm.expectEmit(true, true, false, true, address(board));
        emit FeeRecipientUpdated(feeRecipient.addr, carol.addr);
        vm.prank(admin.addr);
        board.setFeeRecipient(carol.addr);
        (, address recipient) = board.feeConfig();
        assertEq(recipient, carol.addr);
    }

    function test_RevertWhen_SetFeeRecipientZero() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(admin.addr);
        board.setFeeRecipient(address(0));
    }

    function test_RevertWhen_SetFeeRecipientByNonAdmin() public {
        expectUnauthorized(alice.addr, board.DEFAULT_ADMIN_ROLE());
        vm.prank(alice.addr);
        board.setFeeRecipient(alice.addr);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       LIMITS
    //////////////////////////////////////////////////////////////////////////*/

    function test_SetLimits_StoresAndEmits() public {
        BountyBoard.Limits memory l = BountyBoard.Limits({
            minChallengeWindow: 1 minutes,
            minRevealPeriod: 2 minutes,
            minEvaluationPeriod: 3 minutes,
            minVerificationPeriod: 30 days,
            maxFundingPeriod: 730 days,
            maxDeliveryPeriod: 1 minutes,
            arbitrationPeriod: 30 days
        });
        vm.expectEmit(false, false, false, true, address(board));
        emit LimitsUpdated(l);
        vm.prank(admin.addr);
        board.setLimits(l);
        assertEq(keccak256(abi.encode(board.limits())), keccak256(abi.encode(l)));
    }

    /// @dev Each field in turn just below its floor and just above its ceiling.
    function test_RevertWhen_SetLimitsOutOfBounds() public {
        string[7] memory fields = [
            "minChallengeWindow",
            "minRevealPeriod",
            "minEvaluationPeriod",
            "minVerificationPeriod",
            "maxFundingPeriod",
            "maxDeliveryPeriod",
            "arbitrationPeriod"
        ];
        for (uint256 f; f < fields.length; ++f) {
            uint256 ceiling = f == 4 || f == 5 ? board.MAX_HORIZON() : board.PERIOD_CEILING();
            uint256[2] memory bad = [uint256(board.PERIOD_FLOOR()) - 1, ceiling + 1];
            for (uint256 i; i < 2; ++i) {
                BountyBoard.Limits memory l = defaultLimits();
                _setField(l, f, uint32(bad[i]));
                vm.expectRevert(
                    abi.encodeWithSelector(
                        BountyBoard.BountyBoard_PeriodOutOfBounds.selector,
                        fields[f],
                        bad[i],
                        board.PERIOD_FLOOR(),
                        ceiling
                    )
                );
                vm.prank(admin.addr);
                board.setLimits(l);
            }
        }
    }

    function testFuzz_SetLimits_AcceptsAnythingInBounds(uint32[7] memory v) public {
        BountyBoard.Limits memory l;
        for (uint256 f; f < 7; ++f) {
            uint256 ceiling = f == 4 || f == 5 ? board.MAX_HORIZON() : board.PERIOD_CEILING();
            _setField(l, f, uint32(bound(v[f], board.PERIOD_FLOOR(), ceiling)));
        }
        vm.prank(admin.addr);
        board.setLimits(l);
        assertEq(keccak256(abi.encode(board.limits())), keccak256(abi.encode(l)));
    }

    function test_RevertWhen_SetLimitsByNonAdmin() public {
        expectUnauthorized(alice.addr, board.DEFAULT_ADMIN_ROLE());
        vm.prank(alice.addr);
        board.setLimits(defaultLimits());
    }

    function _setField(BountyBoard.Limits memory l, uint256 f, uint32 value) private pure {
        if (f == 0) l.minChallengeWindow = value;
        else if (f == 1) l.minRevealPeriod = value;
        else if (f == 2) l.minEvaluationPeriod = value;
        else if (f == 3) l.minVerificationPeriod = value;
        else if (f == 4) l.maxFundingPeriod = value;
        else if (f == 5) l.maxDeliveryPeriod = value;
        else l.arbitrationPeriod = value;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      METRICS
    //////////////////////////////////////////////////////////////////////////*/

    function test_SetMetric_RegistersAndEmits() public {
        vm.expectEmit(true, false, false, true, address(board));
        emit MetricSet("bleu", BountyBoard.Direction.HigherIsBetter, 0, 100);
        vm.prank(admin.addr);
        board.setMetric("bleu", BountyBoard.Direction.HigherIsBetter, 0, 100);
        BountyBoard.Metric memory m = board.metric("bleu");
        assertTrue(m.registered);
        assertEq(int256(m.min), 0);
        assertEq(int256(m.max), 100);
        assertTrue(m.direction == BountyBoard.Direction.HigherIsBetter);
        assertFalse(board.metric("unknown").registered);
    }

    function test_SetMetric_RangeChangeKeepsExistingTargets() public {
        uint256 id = createBounty(); // target 0.8e9
        vm.prank(admin.addr);
        board.setMetric(ACCURACY, BountyBoard.Direction.HigherIsBetter, 0, 100);
        assertEq(int256(board.getBounty(id).targetScore), int256(TARGET));
    }

    function testFuzz_RevertWhen_SetMetricEmptyRange(int128 min, int128 max) public {
        vm.assume(min >= max);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_BadMetricRange.selector, min, max));
        vm.prank(admin.addr);
        board.setMetric("bleu", BountyBoard.Direction.HigherIsBetter, min, max);
    }

    function test_RevertWhen_SetMetricZeroId() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "metricId"));
        vm.prank(admin.addr);
        board.setMetric(bytes32(0), BountyBoard.Direction.HigherIsBetter, 0, 1);
    }

    function test_RevertWhen_SetMetricByNonAdmin() public {
        expectUnauthorized(dao.addr, board.DEFAULT_ADMIN_ROLE());
        vm.prank(dao.addr);
        board.setMetric("bleu", BountyBoard.Direction.HigherIsBetter, 0, 1);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       SWEEP
    //////////////////////////////////////////////////////////////////////////*/

    function test_Sweep_SendsOnlyTheSurplus() public {
        uint256 id = createBounty();
        fundAs(alice, id, 300e18);
        vm.prank(carol.addr);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transfer(address(board), 7e18); // sent by mistake
        vm.expectEmit(true, true, false, true, address(board));
        emit Swept(address(token), carol.addr, 7e18);
        vm.prank(admin.addr);
        assertEq(board.sweep(address(token), carol.addr), 7e18);
        assertHeld(300e18);
    }

    function test_Sweep_UnlistedToken() public {
        TestToken stray = new TestToken("Stray", "STR", 6, address(this));
        stray.mint(address(board), 5e6);
        vm.prank(admin.addr);
        assertEq(board.sweep(address(stray), alice.addr), 5e6);
        assertEq(stray.balanceOf(alice.addr), 5e6);
    }

    function test_RevertWhen_SweepWithoutSurplus() public {
        uint256 id = createBounty();
        fundAs(alice, id, 300e18);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NoSurplus.selector, address(token)));
        vm.prank(admin.addr);
        board.sweep(address(token), admin.addr);
    }

    function test_RevertWhen_SweepToZero() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(admin.addr);
        board.sweep(address(token), address(0));
    }

    function test_RevertWhen_SweepByNonAdmin() public {
        expectUnauthorized(alice.addr, board.DEFAULT_ADMIN_ROLE());
        vm.prank(alice.addr);
        board.sweep(address(token), alice.addr);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                ERC-6909 AND ERC-165
    //////////////////////////////////////////////////////////////////////////*/

    function test_Metadata_PerId() public {
        uint256 id = createBounty();
        assertEq(board.name(id), "Crowdtrain bounty 1");
        assertEq(board.symbol(id), "CT-1");
        assertEq(uint256(board.decimals(id)), 18);
        assertEq(board.name(42), "Crowdtrain bounty 42");
        assertEq(board.symbol(42), "CT-42");
    }

    function test_Decimals_AreTheFundingTokens() public {
        TestToken usdc = new TestToken("Test USDC", "TUSDC", 6, address(this));
        vm.prank(admin.addr);
        board.setTokenAllowed(address(usdc), true);
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.token = address(usdc);
        uint256 id = createBounty(p);
        assertEq(uint256(board.decimals(id)), 6);
    }

    function test_Decimals_DefaultTo18WhenTheTokenDoesNotSay() public {
        NoDecimalsToken plain = new NoDecimalsToken();
        vm.prank(admin.addr);
        board.setTokenAllowed(address(plain), true);
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.token = address(plain);
        uint256 id = createBounty(p);
        assertEq(uint256(board.decimals(id)), 18);
    }

    function test_TotalSupply_TracksSharesOutstanding() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        fundAs(bob, id, 50e18);
        assertEq(board.totalSupply(id), 150e18);
        vm.prank(dao.addr);
        board.cancelBounty(id);
        vm.prank(alice.addr);
        board.refund(id, alice.addr);
        assertEq(board.totalSupply(id), 50e18);
        assertEq(board.totalSupply(99), 0);
    }

    function test_SupportsInterfaces() public {
        assertTrue(board.supportsInterface(type(IERC165).interfaceId));
        assertTrue(board.supportsInterface(type(IERC6909).interfaceId));
        assertTrue(board.supportsInterface(type(IERC6909Metadata).interfaceId));
        assertTrue(board.supportsInterface(type(IERC6909TokenSupply).interfaceId));
        assertTrue(board.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(board.supportsInterface(0xffffffff));
        assertFalse(board.supportsInterface(0x12345678));
    }

    function test_Views_DefaultToZero() public {
        uint256 id = createBounty();
        assertEq(board.finalizableAt(id), 0); // Funding
        assertEq(board.unlockAt(id), 0);
        assertEq(board.payoutOwed(id), 0);
        assertEq(board.refundable(id, alice.addr), 0);
        assertEq(board.claimableRevenue(id, alice.addr), 0);
        assertEq(board.revenuePerShare(id), 0);
        assertEq(board.submissionOf(id, keccak256("x")), 0);
        (uint256 none, uint256 at) = board.submissionOfCommitment(id, keccak256("x"));
        assertEq(none, 0);
        assertEq(at, 0);
        assertEq(
            board.commitmentOf(keccak256("h"), alice.addr, keccak256("s")),
            keccak256(abi.encode(keccak256("h"), alice.addr, keccak256("s")))
        );
    }
}

/// @notice An ERC-20 without `decimals()`.
contract NoDecimalsToken {
    function balanceOf(address) external pure returns (uint256) {
        return 0;
    }
}
