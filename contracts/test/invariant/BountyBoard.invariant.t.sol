// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { TestToken } from "../../src/TestToken.sol";
import { BaseTest } from "../Base.t.sol";
import { BountyBoardBase } from "../BountyBoard/BountyBoardBase.t.sol";
import { FeeOnTransferToken } from "../mocks/AwkwardTokens.sol";
import { Handler } from "./Handler.sol";

/// @notice Handler-based invariant suite of the BountyBoard: up to ten bounties (three open at a time) over an
/// 18-decimal token, a 1% fee-on-transfer token and a 6-decimal token, driven by {Handler} through every lifecycle
/// path. After each run every bounty is settled and everyone withdraws everything ({afterInvariant}), which must
/// all go through. Runs are few and deep (16 x 256 calls per invariant) because a lifecycle takes many steps; the
/// suite takes about 8 s on 2 cores. Share transfers include transfers to oneself (see the regressions below).
/// forge-config: default.invariant.runs = 16
/// forge-config: default.invariant.depth = 256
/// forge-config: default.invariant.fail-on-revert = true
contract BountyBoardInvariantTest is BaseTest {
    /// @dev Same layout as forge-std's StdInvariant.FuzzSelector, which forge reads from {targetSelectors}.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @dev What the board owes in one token; see {_owed}.
    struct Owed {
        uint256 sum;
        uint256 revenueClaimable;
        uint256 revenueHeld;
    }

    uint16 internal constant FEE_BPS = 250;
    uint256 internal constant TOKEN_FEE_BPS = 100;

    BountyBoard internal board;
    Handler internal handler;
    address internal feeRecipient;
    address[] internal tokens;
    address[] internal backers;
    address[] internal trainers;

    function setUp() public virtual override {
        super.setUp();
        vm.warp(1_700_000_000);
        address dao = makeAccount("dao").addr;
        address evaluator = makeAccount("evaluator").addr;
        address payer = makeAccount("licensee").addr;
        feeRecipient = makeAccount("feeRecipient").addr;
        backers = [alice.addr, bob.addr, makeAccount("carol").addr, makeAccount("dave").addr];
        trainers = [makeAccount("trainer1").addr, makeAccount("trainer2").addr, makeAccount("trainer3").addr];

        board = new BountyBoard(admin.addr, feeRecipient, FEE_BPS);
        TestToken usd18 = new TestToken("Test USD", "TUSD", 18, address(this));
        FeeOnTransferToken taxed = new FeeOnTransferToken(TOKEN_FEE_BPS);
        TestToken usd6 = new TestToken("Test USDC", "TUSDC", 6, address(this));
        tokens = [address(usd18), address(taxed), address(usd6)];
        vm.label(address(usd18), "usd18");
        vm.label(address(taxed), "feeOnTransfer");
        vm.label(address(usd6), "usd6");

        vm.startPrank(admin.addr);
        for (uint256 i; i < tokens.length; ++i) {
            board.setTokenAllowed(tokens[i], true);
        }
        board.grantRole(board.DAO_ROLE(), dao);
        board.grantRole(board.EVALUATOR_ROLE(), evaluator);
        vm.stopPrank();

        address[] memory holders = new address[](backers.length + trainers.length + 1);
        for (uint256 i; i < backers.length; ++i) {
            holders[i] = backers[i];
        }
        for (uint256 i; i < trainers.length; ++i) {
            holders[backers.length + i] = trainers[i];
        }
        holders[holders.length - 1] = payer;
        for (uint256 i; i < holders.length; ++i) {
            usd18.mint(holders[i], 1e30);
            taxed.mint(holders[i], 1e30);
            usd6.mint(holders[i], 1e30);
            vm.startPrank(holders[i]);
            for (uint256 t; t < tokens.length; ++t) {
                IERC20(tokens[t]).approve(address(board), type(uint256).max);
            }
            vm.stopPrank();
        }

        handler = new Handler(board, admin.addr, dao, evaluator, payer, tokens, backers, trainers);
        vm.label(address(handler), "handler");
    }

    /// @dev Whether backers may transfer shares of a fulfilled bounty with revenue to themselves; see
    /// {BountyBoardKnownBugsTest}.

    /// @notice Only the handler is fuzzed.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Only the handler's actions are fuzzed, not its accessors or {Handler.settleEverything}.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({ addr: address(handler), selectors: handler.selectors() });
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     INVARIANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Solvency, per token: the board holds at least its liabilities, and its liabilities cover the exact
    /// sum of everything owed as the views report it: refundable escrow or unwithdrawn payout of every bounty,
    /// posted bonds, claimable revenue of every backer and accrued fees. Moreover liabilities are exactly that sum
    /// with, instead of the claimable revenue, the revenue deposited and not claimed (the difference is the dust the
    /// per-share rounding leaves unclaimable), and per bounty the revenue claimed plus the revenue still claimable
    /// never exceeds the revenue deposited.
    function invariant_Solvency() public {
        Owed[] memory owed = _owed();
        for (uint256 t; t < tokens.length; ++t) {
            address token = tokens[t];
            uint256 liabilities = board.liabilities(token);
            assertGte(IERC20(token).balanceOf(address(board)), liabilities, "balance < liabilities");
            assertGte(liabilities, owed[t].sum + owed[t].revenueClaimable, "liabilities < sum owed");
            assertEq(liabilities, owed[t].sum + owed[t].revenueHeld, "liabilities != ledger");
        }
    }

    /// @notice Per bounty, the shareholders' balances add up to what was credited minus what was refunded, and the
    /// bounty's `raised` is what was credited.
    function invariant_SharesMatchCreditedMinusRefunded() public {
        (uint256 count,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            uint256 shares;
            for (uint256 a; a < backers.length; ++a) {
                shares += board.balanceOf(backers[a], id);
            }
            assertEq(
                shares, handler.ghostCredited(id) - handler.ghostRefunded(id), "shares != credited - refunded"
            );
            assertEq(uint256(board.getBounty(id).raised), handler.ghostCredited(id), "raised != credited");
        }
    }

    /// @notice No backer is refunded more than they were credited (shares received by transfer count as credited,
    /// shares sent as debited), and each balance is exactly credited - debited - refunded.
    function invariant_NoBackerWithdrawsMoreThanCredited() public {
        (uint256 count,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            for (uint256 a; a < backers.length; ++a) {
                address backer = backers[a];
                (uint256 credited, uint256 debited, uint256 refunded) = handler.ledgerOf(id, backer);
                uint256 out = debited + refunded;
                assertLte(out, credited, "refunded + sent > credited");
                assertEq(board.balanceOf(backer, id), credited - out, "balance != credited - sent - refunded");
            }
        }
    }

    /// @notice A bounty never both pays out its winner and refunds its backers.
    function invariant_NeverPayoutAndRefunds() public {
        (uint256 count,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            bool paid = handler.ghostPayoutWithdrawn(id) != 0 || board.getBounty(id).payoutWithdrawn != 0;
            assertFalse(paid && handler.ghostRefunded(id) != 0, "payout withdrawn and refunds");
            assertEq(uint256(board.getBounty(id).payoutWithdrawn), handler.ghostPayoutWithdrawn(id), "payout");
        }
    }

    /// @notice After every run: settle every bounty and withdraw everything owed to everyone (each withdrawal must
    /// succeed), after which the board holds, per token, exactly the revenue dust nobody can claim.
    function afterInvariant() public virtual {
        handler.settleEverything();
        (uint256 count,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            BountyBoard.Bounty memory b = board.getBounty(id);
            assertTrue(
                b.status == BountyBoard.Status.Fulfilled || b.status == BountyBoard.Status.Failed
                    || b.status == BountyBoard.Status.Cancelled,
                "bounty not final"
            );
            assertEq(board.payoutOwed(id), 0, "payout left");
            for (uint256 a; a < backers.length; ++a) {
                assertEq(board.refundable(id, backers[a]), 0, "refund left");
                assertEq(board.claimableRevenue(id, backers[a]), 0, "revenue left");
            }
            for (uint256 t; t < trainers.length; ++t) {
                BountyBoard.Claim memory c = board.getClaim(id, trainers[t]);
                assertFalse(c.bondState == BountyBoard.BondState.Posted && c.bond != 0, "bond left");
            }
        }
        Owed[] memory owed = _owed();
        for (uint256 t; t < tokens.length; ++t) {
            address token = tokens[t];
            uint256 dust = owed[t].revenueHeld;
            assertEq(owed[t].sum, 0, "something left owed");
            assertEq(board.accruedFees(token), 0, "fees left");
            assertEq(board.liabilities(token), dust, "liabilities != revenue dust");
            assertEq(IERC20(token).balanceOf(address(board)), dust, "balance != revenue dust");
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      HELPERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev Per token (in the order of `tokens`): the sum owed according to the views (escrow, payouts, posted
    /// bonds, fees), the backers' claimable revenue, and the revenue deposited and not claimed (per the ghosts).
    /// Asserts on the way that no bounty's revenue claimed and claimable exceeds its revenue deposited. Skips the
    /// views that are zero by construction in a bounty's status (refunds outside Failed/Cancelled, revenue outside
    /// Fulfilled, bonds before Funded), which keeps the per-call check cheap.
    function _owed() internal returns (Owed[] memory owed) {
        owed = new Owed[](tokens.length);
        for (uint256 t; t < tokens.length; ++t) {
            owed[t].sum = board.accruedFees(tokens[t]);
        }
        (uint256 count,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            BountyBoard.Bounty memory b = board.getBounty(id);
            Owed memory o = owed[_tokenIndex(b.token)];
            BountyBoard.Status status = b.status;
            if (status == BountyBoard.Status.Funding || status == BountyBoard.Status.Funded) {
                o.sum += b.raised;
            } else if (status == BountyBoard.Status.Fulfilled) {
                o.sum += board.payoutOwed(id);
                uint256 claimable;
                for (uint256 a; a < backers.length; ++a) {
                    claimable += board.claimableRevenue(id, backers[a]);
                }
                uint256 deposited = handler.ghostRevenueDeposited(id);
                uint256 claimed = handler.ghostRevenueClaimed(id);
                assertLte(claimed + claimable, deposited, "revenue claimed + claimable > deposited");
                o.revenueClaimable += claimable;
                o.revenueHeld += deposited - claimed;
            } else {
                for (uint256 a; a < backers.length; ++a) {
                    o.sum += board.refundable(id, backers[a]);
                }
            }
            if (status == BountyBoard.Status.Funding || status == BountyBoard.Status.Cancelled) continue;
            for (uint256 t; t < trainers.length; ++t) {
                BountyBoard.Claim memory c = board.getClaim(id, trainers[t]);
                if (c.bondState == BountyBoard.BondState.Posted) o.sum += c.bond;
            }
        }
    }

    function _tokenIndex(address token) internal view returns (uint256 t) {
        while (tokens[t] != token) ++t;
    }
}

/// @notice Regressions for a bug the invariant campaign found: an ERC-6909 transfer to oneself (of any amount, even
/// 0) counted the holder's pending revenue twice, paid out of other people's money. Fixed in `_update`, which now
/// settles an account once when `from == to`.
contract BountyBoardSelfTransferRegressionsTest is BountyBoardBase {
    function test_SelfTransfer_DoesNotDuplicateRevenue() public {
        (uint256 id,) = fulfilledBounty(); // alice 600, bob 400 shares
        vm.prank(carol.addr);
        board.depositRevenue(id, 100e18);
        assertEq(board.claimableRevenue(id, alice.addr), 60e18);

        vm.prank(alice.addr);
        board.transfer(alice.addr, id, 0);

        assertEq(board.claimableRevenue(id, alice.addr), 60e18, "self-transfer changed alice's revenue");
    }

    /// @dev Before the fix, the duplicated revenue was paid out of other people's money and the winner's payout
    /// then reverted `BountyBoard_Insolvent(token, 975e18, 915e18)`.
    function test_SelfTransfer_DoesNotLockOthersFunds() public {
        (uint256 id,) = fulfilledBounty();
        vm.prank(carol.addr);
        board.depositRevenue(id, 100e18);
        vm.startPrank(alice.addr);
        board.transfer(alice.addr, id, 0);
        assertEq(board.claimRevenue(id), 60e18);
        vm.stopPrank();

        vm.prank(bob.addr);
        assertEq(board.claimRevenue(id), 40e18);
        board.withdrawFees(address(token));
        vm.startPrank(trainer1.addr);
        board.withdrawBond(id);
        board.withdrawPayout(id);
        vm.stopPrank();
        assertEq(board.liabilities(address(token)), 0);
    }
}

/// @notice Regressions for a bug found while building this suite: shares moving between two revenue deposits let
/// the holders' claims exceed the deposits by rounding (debts were rounded down), which locked the last
/// withdrawal of the token out with `BountyBoard_Insolvent`. Fixed in BountyBoard by rounding debts up.
contract BountyBoardInvariantRegressionsTest is BountyBoardBase {
    uint256 internal id;

    /// @dev A fulfilled bounty held 500/500 by alice and bob; 2 wei of revenue (1 each, exactly), then alice
    /// moves half her shares to bob (alice 0.5 wei of entitlement per 2 wei, bob 1.5), then 2 wei more.
    function setUp() public override {
        super.setUp();
        id = createBounty();
        fundAs(alice, id, 500e18);
        fundAs(bob, id, 500e18);
        claimAs(trainer1, id);
        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), 90e16);
        vm.warp(deliveryDeadline);
        board.finalize(id);
        vm.prank(carol.addr);
        board.depositRevenue(id, 2);
        vm.prank(alice.addr);
        board.transfer(bob.addr, id, 250e18);
        vm.prank(carol.addr);
        board.depositRevenue(id, 2);
    }

    function test_TransferBetweenDeposits_ClaimsNeverExceedDeposits() public {
        uint256 claimable = board.claimableRevenue(id, alice.addr) + board.claimableRevenue(id, bob.addr);
        assertLte(claimable, 4, "claimable revenue exceeds the 4 wei deposited"); // was 5
    }

    function test_TransferBetweenDeposits_DoesNotLockFees() public {
        vm.prank(alice.addr);
        uint256 claimed = board.claimRevenue(id);
        vm.prank(bob.addr);
        claimed += board.claimRevenue(id);
        vm.startPrank(trainer1.addr);
        board.withdrawPayout(id);
        board.withdrawBond(id);
        vm.stopPrank();
        assertEq(board.withdrawFees(address(token)), 25e18); // was BountyBoard_Insolvent(token, 25e18, 25e18 - 1)
        assertEq(board.liabilities(address(token)), 4 - claimed, "only the rounding dust is left");
        assertEq(token.balanceOf(address(board)), 4 - claimed);
    }
}
