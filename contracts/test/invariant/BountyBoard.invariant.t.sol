// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { TestToken } from "../../src/TestToken.sol";
import { BaseTest } from "../Base.t.sol";
import { FeeOnTransferToken } from "../mocks/AwkwardTokens.sol";
import { Handler } from "./Handler.sol";

/// @notice Handler-based invariant suite of the BountyBoard (protocol v2): up to eight bounties (three open at a
/// time) over an 18-decimal token and a 1% fee-on-transfer token, driven by {Handler} through every lifecycle
/// path, disputes included. Invariants: solvency (balance >= liabilities >= the exact sum owed, and liabilities
/// equal the ledger), commit precedence (a later commit never holds a hash an earlier commit revealed; the best is
/// the best scored qualifying submission, ties to the earlier commit) and liveness ({afterInvariant}: warped far
/// ahead, every bounty reaches an end state through the public functions and every party takes out everything).
/// forge-config: default.invariant.runs = 16
/// forge-config: default.invariant.depth = 200
/// forge-config: default.invariant.fail-on-revert = true
contract BountyBoardInvariantTest is BaseTest {
    /// @dev Same layout as forge-std's StdInvariant.FuzzSelector, which forge reads from {targetSelectors}.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    uint16 internal constant FEE_BPS = 250;

    BountyBoard internal board;
    Handler internal handler;
    address internal dao;
    address[] internal tokens;
    address[] internal backers;
    address[] internal trainers;

    function setUp() public virtual override {
        super.setUp();
        vm.warp(1_700_000_000);
        vm.roll(100);
        dao = makeAccount("dao").addr;
        address evaluator = makeAccount("evaluator").addr;
        address arbiter = makeAccount("arbiter").addr;
        address payer = makeAccount("licensee").addr;
        address feeRecipient = makeAccount("feeRecipient").addr;
        backers = [alice.addr, bob.addr, makeAccount("carol").addr];
        trainers = [makeAccount("trainer1").addr, makeAccount("trainer2").addr, makeAccount("trainer3").addr];

        board = new BountyBoard(admin.addr, feeRecipient, FEE_BPS);
        TestToken usd18 = new TestToken("Test USD", "TUSD", 18, address(this));
        FeeOnTransferToken taxed = new FeeOnTransferToken(100);
        tokens = [address(usd18), address(taxed)];
        vm.label(address(usd18), "usd18");
        vm.label(address(taxed), "feeOnTransfer");

        vm.startPrank(admin.addr);
        for (uint256 i; i < tokens.length; ++i) {
            board.setTokenAllowed(tokens[i], true);
        }
        board.grantRole(board.DAO_ROLE(), dao);
        board.grantRole(board.EVALUATOR_ROLE(), evaluator);
        board.setMetric("accuracy", BountyBoard.Direction.HigherIsBetter, 0, 1e9);
        BountyBoard.Limits memory l = board.limits();
        l.minChallengeWindow = 1 hours;
        l.minRevealPeriod = 1 hours;
        l.minEvaluationPeriod = 1 hours;
        l.minVerificationPeriod = 1 hours;
        board.setLimits(l);
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
            vm.startPrank(holders[i]);
            for (uint256 t; t < tokens.length; ++t) {
                IERC20(tokens[t]).approve(address(board), type(uint256).max);
            }
            vm.stopPrank();
        }

        handler = new Handler(
            board, [admin.addr, dao, evaluator, arbiter, payer, address(0)], tokens, backers, trainers
        );
        vm.label(address(handler), "handler");
    }

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

    /// @notice Solvency, per token: the board holds at least its liabilities; they cover the exact sum owed as the
    /// views report it (escrow or unwithdrawn payout, posted bonds, dispute money, fees, claimable revenue); and
    /// they equal the ledger: the same sum with, instead of the claimable revenue, everything shared out (revenue
    /// and forfeited bonds) minus everything claimed (the difference is rounding dust nobody can claim).
    function invariant_Solvency() public {
        (uint256[] memory owed, uint256[] memory claimable) = _owed();
        for (uint256 t; t < tokens.length; ++t) {
            address token = tokens[t];
            uint256 liabilities = board.liabilities(token);
            assertGte(IERC20(token).balanceOf(address(board)), liabilities, "balance < liabilities");
            assertGte(liabilities, owed[t] + claimable[t], "liabilities < sum owed");
            uint256 held = handler.ghostShared(token) - handler.ghostClaimed(token);
            assertEq(liabilities, owed[t] + held, "liabilities != ledger");
        }
    }

    /// @notice Commit precedence: of the submissions of a bounty that revealed the same hash, the earliest commit
    /// holds it and every other one is a disqualified, final copy; the holder is never a duplicate.
    function invariant_CommitPrecedence() public {
        (, uint256 subs,) = board.counts();
        for (uint256 s = 1; s <= subs; ++s) {
            BountyBoard.Submission memory sub = board.getSubmission(s);
            if (sub.revealedAt == 0) continue;
            uint256 holder = board.submissionOf(sub.bountyId, handler.hashOf(s));
            uint256 earliest = s;
            for (uint256 o = 1; o < s; ++o) {
                BountyBoard.Submission memory other = board.getSubmission(o);
                if (
                    other.bountyId == sub.bountyId && other.revealedAt != 0
                        && handler.hashOf(o) == handler.hashOf(s)
                ) {
                    earliest = o;
                    break;
                }
            }
            if (earliest != s) {
                assertTrue(
                    sub.verdict == BountyBoard.Verdict.Disqualified && sub.final_, "a later commit kept it"
                );
                assertEq(holder, earliest, "holder is not the earliest commit");
            }
            if (holder == s) {
                assertTrue(sub.reportHash != board.DUPLICATE_REPORT(), "the holder is a duplicate");
            }
        }
    }

    /// @notice The best of a live or fulfilled bounty is its best scored qualifying submission; ties go to the
    /// earlier commit (a later commit with an equal score never holds it).
    function invariant_BestIsTheEarliestHighest() public {
        (uint256 count, uint256 subs,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            BountyBoard.Bounty memory b = board.getBounty(id);
            if (
                b.status != BountyBoard.Status.Funded && b.status != BountyBoard.Status.Verifying
                    && b.status != BountyBoard.Status.Fulfilled
            ) continue;
            uint256 best;
            int128 bestScore;
            for (uint256 s = 1; s <= subs; ++s) {
                BountyBoard.Submission memory sub = board.getSubmission(s);
                if (
                    sub.bountyId != id || sub.verdict != BountyBoard.Verdict.Scored
                        || sub.score < b.targetScore
                ) {
                    continue;
                }
                if (best == 0 || sub.score > bestScore) {
                    best = s;
                    bestScore = sub.score;
                }
            }
            assertEq(uint256(b.bestSubmissionId), best, "best");
            if (best != 0) assertEq(int256(b.bestScore), int256(bestScore), "best score");
            if (b.status != BountyBoard.Status.Funded) assertTrue(best != 0, "verifying without a winner");
        }
    }

    /// @notice Share supply: `raised` (totalSupply) equals the sum of the holders' balances.
    function invariant_SupplyMatchesBalances() public {
        (uint256 count,,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            uint256 sum;
            for (uint256 a; a < backers.length; ++a) {
                sum += board.balanceOf(backers[a], id);
            }
            assertEq(board.totalSupply(id), sum, "supply != balances");
        }
    }

    /// @notice Liveness: after every run, far in the future, every bounty ends and every party takes out
    /// everything through the public functions; the board is left with only the revenue dust nobody can claim.
    function afterInvariant() public {
        handler.settleEverything();
        (uint256 count,, uint256 disputes) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            BountyBoard.Bounty memory b = board.getBounty(id);
            assertTrue(
                b.status == BountyBoard.Status.Fulfilled || b.status == BountyBoard.Status.Failed
                    || b.status == BountyBoard.Status.Cancelled,
                "bounty not ended"
            );
            assertEq(uint256(b.openDisputes), 0, "dispute open");
            assertEq(board.payoutOwed(id), 0, "payout left");
            for (uint256 a; a < backers.length; ++a) {
                assertEq(board.refundable(id, backers[a]), 0, "refund left");
                assertEq(board.claimableRevenue(id, backers[a]), 0, "revenue left");
            }
            assertEq(board.claimableRevenue(id, dao), 0, "dao revenue left");
            for (uint256 t; t < trainers.length; ++t) {
                BountyBoard.Claim memory c = board.getClaim(id, trainers[t]);
                assertFalse(c.bondState == BountyBoard.BondState.Posted && c.bond != 0, "bond left");
            }
        }
        for (uint256 d = 1; d <= disputes; ++d) {
            BountyBoard.Dispute memory dis = board.getDispute(d);
            assertTrue(dis.withdrawn || uint256(dis.bond) + dis.reward == 0, "dispute money left");
        }
        for (uint256 t; t < tokens.length; ++t) {
            address token = tokens[t];
            uint256 dust = handler.ghostShared(token) - handler.ghostClaimed(token);
            assertEq(board.accruedFees(token), 0, "fees left");
            assertEq(board.liabilities(token), dust, "liabilities != revenue dust");
            assertEq(IERC20(token).balanceOf(address(board)), dust, "balance != revenue dust");
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      HELPERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev Per token: the sum owed other than revenue, and the claimable revenue.
    function _owed() internal view returns (uint256[] memory owed, uint256[] memory claimable) {
        owed = new uint256[](tokens.length);
        claimable = new uint256[](tokens.length);
        for (uint256 t; t < tokens.length; ++t) {
            owed[t] = board.accruedFees(tokens[t]);
        }
        (uint256 count,, uint256 disputes) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            BountyBoard.Bounty memory b = board.getBounty(id);
            uint256 t = _tokenIndex(b.token);
            owed[t] += b.status == BountyBoard.Status.Fulfilled ? board.payoutOwed(id) : b.raised;
            for (uint256 a; a < backers.length; ++a) {
                claimable[t] += board.claimableRevenue(id, backers[a]);
            }
            claimable[t] += board.claimableRevenue(id, dao);
            for (uint256 i; i < trainers.length; ++i) {
                BountyBoard.Claim memory c = board.getClaim(id, trainers[i]);
                if (c.bondState == BountyBoard.BondState.Posted) owed[t] += c.bond;
            }
        }
        for (uint256 d = 1; d <= disputes; ++d) {
            BountyBoard.Dispute memory dis = board.getDispute(d);
            if (dis.withdrawn) continue;
            BountyBoard.Submission memory sub = board.getSubmission(dis.submissionId);
            owed[_tokenIndex(board.getBounty(sub.bountyId).token)] += uint256(dis.bond) + dis.reward;
        }
    }

    function _tokenIndex(address token) internal view returns (uint256 t) {
        while (tokens[t] != token) ++t;
    }
}
