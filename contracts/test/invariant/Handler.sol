// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import { Vm } from "@prb/test/Vm.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";

/// @notice Drives a BountyBoard through bounded random lifecycles for the invariant suite: several bounties over
/// several tokens (one of them fee-on-transfer), created, funded, cancelled, claimed, submitted to, scored or
/// disqualified, finalized, refunded, paid out, with bonds returned or forfeited, revenue deposited and claimed,
/// shares transferred and fees withdrawn, while time moves forward.
/// @dev Each action looks, from a random starting point, for a bounty (and actor) for which the board's views say
/// it is valid now, and does nothing if there is none; that keeps most calls meaningful. A valid action must then
/// succeed (the suite runs with `fail-on-revert`), so an unexpected revert, say an `Insolvent` guard tripping on
/// someone's legitimate withdrawal, fails the run. Every transfer the board makes or receives is measured against
/// what the board reported, and ghost variables record what the board's events would: amounts credited,
/// refunded, paid out, deposited and claimed.
contract Handler {
    // forge-lint: disable-next-line(screaming-snake-case-const)
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice At most this many bounties in all, so the invariants' sums stay cheap...
    uint256 public constant MAX_BOUNTIES = 10;
    /// @notice ...and at most this many not final yet, so the actions concentrate and lifecycles get deep.
    uint256 public constant MAX_ACTIVE = 3;
    /// @notice Every bounty's target score; scores are drawn from [0, 2 * TARGET = 16e17], so about half qualify.
    int128 public constant TARGET = 80e16;

    /// @notice An amount the board reported differs from what actually moved or from what its views promised.
    error Handler_Mismatch(string what, uint256 reported, uint256 measured);

    BountyBoard public immutable board;
    address public immutable admin;
    address public immutable dao;
    address public immutable evaluator;
    /// @notice Deposits revenue and calls the permissionless functions.
    address public immutable payer;

    address[] private _tokens;
    address[] private _backers;
    address[] private _trainers;

    /*//////////////////////////////////////////////////////////////////////////
                                   GHOST VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Sum of the `Contributed` amounts of a bounty.
    mapping(uint256 bountyId => uint256) public ghostCredited;
    /// @notice Sum of the `Refunded` amounts of a bounty.
    mapping(uint256 bountyId => uint256) public ghostRefunded;
    /// @notice Sum of the `PayoutWithdrawn` amounts of a bounty.
    mapping(uint256 bountyId => uint256) public ghostPayoutWithdrawn;
    /// @notice Sum of the `RevenueDeposited` amounts of a bounty.
    mapping(uint256 bountyId => uint256) public ghostRevenueDeposited;
    /// @notice Sum of the `RevenueClaimed` amounts of a bounty.
    mapping(uint256 bountyId => uint256) public ghostRevenueClaimed;
    /// @notice Shares an account got: credited by funding plus received by transfer.
    mapping(uint256 bountyId => mapping(address account => uint256)) public ghostCreditedOf;
    /// @notice Shares an account sent by transfer.
    mapping(uint256 bountyId => mapping(address account => uint256)) public ghostDebitedOf;
    /// @notice What an account was refunded.
    mapping(uint256 bountyId => mapping(address account => uint256)) public ghostRefundedOf;
    /// @notice Fees sent to the fee recipient, per token.
    mapping(address token => uint256) public ghostFeesWithdrawn;
    /// @notice How many times each action went through, to check that a campaign reaches every path.
    mapping(bytes32 action => uint256) public calls;

    constructor(
        BountyBoard board_,
        address admin_,
        address dao_,
        address evaluator_,
        address payer_,
        address[] memory tokens_,
        address[] memory backers_,
        address[] memory trainers_
    ) {
        board = board_;
        admin = admin_;
        dao = dao_;
        evaluator = evaluator_;
        payer = payer_;
        _tokens = tokens_;
        _backers = backers_;
        _trainers = trainers_;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    FUZZED ACTIONS
    //////////////////////////////////////////////////////////////////////////*/

    function createBounty(
        uint256 tokenSeed,
        uint256 goalSeed,
        uint256 timeSeed,
        uint256 bondSeed,
        uint256 shape
    ) external {
        (uint256 count,) = board.counts();
        if (count >= MAX_BOUNTIES || _active() >= MAX_ACTIVE) return;
        if (shape % 3 == 0) {
            // The admin changes the fee now and then; each bounty keeps the one in force at its creation.
            uint16 bps = uint16(_bound(shape >> 64, 0, board.MAX_FEE_BPS()));
            vm.prank(admin);
            board.setFee(bps);
            calls["setFee"]++;
        }
        address token = _tokens[tokenSeed % _tokens.length];
        uint256 unit = 10 ** IERC20Metadata(token).decimals();
        uint64 fundingDeadline = uint64(block.timestamp + _bound(timeSeed, 1 hours, 4 days));
        uint64 deliveryDeadline = fundingDeadline + uint64(_bound(timeSeed >> 128, 1 hours, 8 days));
        BountyBoard.CreateBountyParams memory p = BountyBoard.CreateBountyParams({
            token: token,
            goal: uint128(_bound(goalSeed, 1, 1000 * unit)),
            fundingDeadline: fundingDeadline,
            deliveryDeadline: deliveryDeadline,
            specHash: keccak256(abi.encode("spec", count)),
            evalSetCommitment: keccak256(abi.encode("eval set", count)),
            metricId: "accuracy",
            targetScore: TARGET,
            direction: shape % 2 == 0
                ? BountyBoard.Direction.HigherIsBetter
                : BountyBoard.Direction.LowerIsBetter,
            bond: bondSeed % 4 == 0 ? 0 : uint128(_bound(bondSeed, 1, 50 * unit)),
            challengeWindow: uint32(_bound(shape >> 8, 0, 2 days))
        });
        vm.prank(dao);
        board.createBounty(p);
        calls["createBounty"]++;
    }

    function fund(uint256 bountySeed, uint256 backerSeed, uint256 amountSeed) external {
        // Half the time, prefer a bounty still short of its goal.
        uint256 id = backerSeed % 2 == 0 ? _findBounty(bountySeed, _fundingOpen) : 0;
        if (id == 0) id = _findBounty(bountySeed, _fundable);
        if (id == 0) return;
        BountyBoard.Bounty memory b = board.getBounty(id);
        address backer = _backers[(backerSeed >> 1) % _backers.length];
        // Half the contributions reach the goal at once (twice the goal covers a transfer fee).
        uint256 amount = amountSeed % 2 == 0 ? uint256(b.goal) * 2 : _bound(amountSeed, 1, b.goal);

        uint256 before = _held(b.token);
        vm.prank(backer);
        uint256 credited = board.fund(id, amount);
        _expectEq("fund: credited vs arrived", credited, _held(b.token) - before);
        ghostCredited[id] += credited;
        ghostCreditedOf[id][backer] += credited;
        calls["fund"]++;
    }

    function cancelBounty(uint256 bountySeed) external {
        // Cancelling ends a lifecycle early: only one call in four goes ahead (hashed, as the fuzzer favours small
        // seeds), so more bounties get further.
        if (uint256(keccak256(abi.encode(bountySeed))) % 4 != 0) return;
        uint256 id = _findBounty(bountySeed, _cancellable);
        if (id == 0) return;
        vm.prank(board.getBounty(id).dao);
        board.cancelBounty(id);
        calls["cancelBounty"]++;
    }

    function claim(uint256 seed) external {
        (uint256 id, uint256 t) = _findPair(seed, _trainers.length, _claimable);
        if (id == 0) return;
        address trainer = _trainers[t];
        address token = board.getBounty(id).token;

        uint256 before = _held(token);
        vm.prank(trainer);
        board.claim(id);
        _expectEq("claim: bond vs arrived", board.getClaim(id, trainer).bond, _held(token) - before);
        calls["claim"]++;
    }

    function submitCheckpoint(uint256 seed) external {
        (uint256 id, uint256 t) = _findPair(seed, _trainers.length, _submittable);
        if (id == 0) return;
        address trainer = _trainers[t];
        uint8 submissions = board.getClaim(id, trainer).submissions;
        vm.prank(trainer);
        board.submitCheckpoint(id, keccak256(abi.encode(id, trainer, submissions)), "crowdtrain://ckpt");
        calls["submitCheckpoint"]++;
    }

    /// @dev Scores a pending submission, or one time in five disqualifies it.
    function evaluate(uint256 submissionSeed, uint256 scoreSeed) external {
        uint256 submissionId = _findPendingSubmission(submissionSeed);
        if (submissionId == 0) return;
        if (scoreSeed % 5 == 0) {
            vm.prank(evaluator);
            board.disqualifySubmission(submissionId, keccak256(abi.encode("disqualified", submissionId)));
            calls["disqualifySubmission"]++;
        } else {
            // forge-lint: disable-next-line(unsafe-typecast)
            _publish(submissionId, int128(int256(_bound(scoreSeed, 0, 16e17)))); // [0, 2 * TARGET]
            calls["publishEvaluation"]++;
        }
    }

    function warp(uint256 secondsSeed) external {
        vm.warp(block.timestamp + _bound(secondsSeed, 1 minutes, 12 hours));
        calls["warp"]++;
    }

    /// @dev Finalizes a bounty that can be; if none can yet, waits (up to 3 days) for the first funded one that
    /// will. (Funding deadlines only pass by {warp}, to leave contributions time.)
    function finalize(uint256 bountySeed) external {
        uint256 id = _findBounty(bountySeed, _finalizable);
        if (id == 0) {
            (uint256 count,) = board.counts();
            uint256 soonest = type(uint256).max;
            for (uint256 i = 1; i <= count; ++i) {
                uint256 readyAt = _status(i) == BountyBoard.Status.Funded ? board.finalizableAt(i) : 0;
                if (readyAt != 0 && readyAt < soonest) (id, soonest) = (i, readyAt);
            }
            if (id == 0 || soonest > block.timestamp + 3 days) return;
            vm.warp(soonest);
        }
        board.finalize(id);
        calls["finalize"]++;
    }

    function refund(uint256 seed) external {
        (uint256 id, uint256 a) = _findPair(seed, _backers.length, _refundable);
        if (id == 0) return;
        _refund(id, _backers[a]);
        calls["refund"]++;
    }

    function withdrawPayout(uint256 bountySeed) external {
        uint256 id = _findBounty(bountySeed, _payable);
        if (id == 0) return;
        _withdrawPayout(id);
        calls["withdrawPayout"]++;
    }

    /// @dev Returns a bond that can be returned or forfeits one that can be forfeited.
    function settleBond(uint256 seed) external {
        (uint256 id, uint256 t) = _findPair(seed, _trainers.length, _bondSettleable);
        if (id == 0) return;
        if (_bondReturnable(id, t)) {
            _withdrawBond(id, _trainers[t]);
            calls["withdrawBond"]++;
        } else {
            _forfeitBond(id, _trainers[t]);
            calls["forfeitBond"]++;
        }
    }

    function depositRevenue(uint256 bountySeed, uint256 amountSeed) external {
        uint256 id = _findBounty(bountySeed, _fulfilled);
        if (id == 0) return;
        address token = board.getBounty(id).token;
        // Half the deposits are dust, to exercise the per-share rounding.
        uint256 amount = amountSeed % 2 == 0
            ? _bound(amountSeed, 1, 1000)
            : _bound(amountSeed, 1, 100 * 10 ** IERC20Metadata(token).decimals());

        uint256 before = _held(token);
        vm.prank(payer);
        uint256 received = board.depositRevenue(id, amount);
        _expectEq("depositRevenue: received vs arrived", received, _held(token) - before);
        ghostRevenueDeposited[id] += received;
        calls["depositRevenue"]++;
    }

    function claimRevenue(uint256 seed) external {
        (uint256 id, uint256 a) = _findPair(seed, _backers.length, _revenueClaimable);
        if (id == 0) return;
        _claimRevenue(id, _backers[a]);
        calls["claimRevenue"]++;
    }

    /// @dev ERC-6909 `transfer` from a shareholder to a backer, possibly themselves, possibly of zero.
    function transferShares(uint256 seed, uint256 toSeed, uint256 amountSeed) external {
        (uint256 id, uint256 f) = _findPair(seed, _backers.length, _transferable);
        if (id == 0) return;
        address from = _backers[f];
        uint256 t = toSeed % _backers.length;
        address to = _backers[t];
        uint256 amount = _bound(amountSeed, 0, board.balanceOf(from, id));
        vm.prank(from);
        board.transfer(to, id, amount);
        ghostDebitedOf[id][from] += amount;
        ghostCreditedOf[id][to] += amount;
        calls["transferShares"]++;
    }

    function withdrawFees(uint256 tokenSeed) external {
        for (uint256 i; i < _tokens.length; ++i) {
            if (_withdrawFees(_tokens[(tokenSeed % _tokens.length + i) % _tokens.length])) {
                calls["withdrawFees"]++;
                return;
            }
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 SETTLING EVERYTHING
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Not fuzzed: run after each campaign run. Scores every pending submission, waits until every bounty
    /// can be finalized, finalizes it, then has everyone withdraw everything they are owed. Each withdrawal must go
    /// through: nobody's funds may be locked, whatever the others did.
    function settleEverything() external {
        (uint256 count, uint256 submissions) = board.counts();
        for (uint256 s = 1; s <= submissions; ++s) {
            if (board.getSubmission(s).verdict == BountyBoard.Verdict.Pending) _publish(s, TARGET);
        }
        uint256 latest = block.timestamp;
        for (uint256 id = 1; id <= count; ++id) {
            BountyBoard.Bounty memory b = board.getBounty(id);
            uint256 end = uint256(b.deliveryDeadline) + b.challengeWindow;
            if (end > latest) latest = end;
        }
        vm.warp(latest);
        for (uint256 id = 1; id <= count; ++id) {
            if (_finalizable(id)) board.finalize(id);
        }
        for (uint256 id = 1; id <= count; ++id) {
            // Forfeit first: forfeited bonds raise the payout.
            for (uint256 t; t < _trainers.length; ++t) {
                if (_bondForfeitable(id, t)) _forfeitBond(id, _trainers[t]);
                if (_bondReturnable(id, t)) _withdrawBond(id, _trainers[t]);
            }
            if (_payable(id)) _withdrawPayout(id);
            for (uint256 a; a < _backers.length; ++a) {
                if (_refundable(id, a)) _refund(id, _backers[a]);
                if (_revenueClaimable(id, a)) _claimRevenue(id, _backers[a]);
            }
        }
        for (uint256 i; i < _tokens.length; ++i) {
            _withdrawFees(_tokens[i]);
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     ACCESSORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A backer's share ledger on a bounty, in one call: shares credited (funded or received), sent, and
    /// refunded.
    function ledgerOf(uint256 bountyId, address account)
        external
        view
        returns (uint256 credited, uint256 debited, uint256 refunded)
    {
        return (
            ghostCreditedOf[bountyId][account],
            ghostDebitedOf[bountyId][account],
            ghostRefundedOf[bountyId][account]
        );
    }

    function tokens() external view returns (address[] memory) {
        return _tokens;
    }

    function backers() external view returns (address[] memory) {
        return _backers;
    }

    function trainers() external view returns (address[] memory) {
        return _trainers;
    }

    /// @notice The fuzzed actions, for the suite's `targetSelectors`.
    function selectors() external pure returns (bytes4[] memory s) {
        s = new bytes4[](15);
        s[0] = this.createBounty.selector;
        s[1] = this.fund.selector;
        s[2] = this.cancelBounty.selector;
        s[3] = this.claim.selector;
        s[4] = this.submitCheckpoint.selector;
        s[5] = this.evaluate.selector;
        s[6] = this.warp.selector;
        s[7] = this.finalize.selector;
        s[8] = this.refund.selector;
        s[9] = this.withdrawPayout.selector;
        s[10] = this.settleBond.selector;
        s[11] = this.depositRevenue.selector;
        s[12] = this.claimRevenue.selector;
        s[13] = this.transferShares.selector;
        s[14] = this.withdrawFees.selector;
    }

    /*//////////////////////////////////////////////////////////////////////////
                         PRECONDITIONS, FROM THE BOARD'S VIEWS
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev How many bounties are not final yet.
    function _active() private view returns (uint256 active) {
        (uint256 count,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            if (_readyAt(id) != 0) ++active;
        }
    }

    function _status(uint256 id) private view returns (BountyBoard.Status) {
        return board.getBounty(id).status;
    }

    function _fundable(uint256 id) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        return (b.status == BountyBoard.Status.Funding || b.status == BountyBoard.Status.Funded)
            && block.timestamp < b.fundingDeadline;
    }

    function _fundingOpen(uint256 id) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        return b.status == BountyBoard.Status.Funding && block.timestamp < b.fundingDeadline;
    }

    function _cancellable(uint256 id) private view returns (bool) {
        return _status(id) == BountyBoard.Status.Funding;
    }

    /// @dev Funded and before its delivery deadline: open to claims and submissions.
    function _open(uint256 id) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        return b.status == BountyBoard.Status.Funded && block.timestamp < b.deliveryDeadline;
    }

    function _claimable(uint256 id, uint256 t) private view returns (bool) {
        return _open(id) && board.getClaim(id, _trainers[t]).bondState == BountyBoard.BondState.None;
    }

    function _submittable(uint256 id, uint256 t) private view returns (bool) {
        if (!_open(id)) return false;
        BountyBoard.Claim memory c = board.getClaim(id, _trainers[t]);
        return
            c.bondState != BountyBoard.BondState.None && c.submissions < board.MAX_SUBMISSIONS_PER_TRAINER();
    }

    function _finalizable(uint256 id) private view returns (bool) {
        uint256 readyAt = _readyAt(id);
        return readyAt != 0 && block.timestamp >= readyAt;
    }

    /// @dev When a bounty can be finalized, as far as is known now; 0 if it is final already.
    function _readyAt(uint256 id) private view returns (uint256) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        if (b.status == BountyBoard.Status.Funding) return b.fundingDeadline;
        if (b.status == BountyBoard.Status.Funded) return board.finalizableAt(id);
        return 0;
    }

    function _refundable(uint256 id, uint256 a) private view returns (bool) {
        BountyBoard.Status status = _status(id);
        return (status == BountyBoard.Status.Failed || status == BountyBoard.Status.Cancelled)
            && board.balanceOf(_backers[a], id) != 0;
    }

    function _fulfilled(uint256 id) private view returns (bool) {
        return _status(id) == BountyBoard.Status.Fulfilled;
    }

    function _payable(uint256 id) private view returns (bool) {
        return _fulfilled(id) && board.payoutOwed(id) != 0;
    }

    function _bondReturnable(uint256 id, uint256 t) private view returns (bool) {
        BountyBoard.Claim memory c = board.getClaim(id, _trainers[t]);
        return c.bondState == BountyBoard.BondState.Posted && c.passed && c.bond != 0;
    }

    function _bondForfeitable(uint256 id, uint256 t) private view returns (bool) {
        BountyBoard.Status status = _status(id);
        if (status != BountyBoard.Status.Fulfilled && status != BountyBoard.Status.Failed) return false;
        BountyBoard.Claim memory c = board.getClaim(id, _trainers[t]);
        return c.bondState == BountyBoard.BondState.Posted && !c.passed && c.pending == 0 && c.bond != 0;
    }

    function _bondSettleable(uint256 id, uint256 t) private view returns (bool) {
        return _bondReturnable(id, t) || _bondForfeitable(id, t);
    }

    function _revenueClaimable(uint256 id, uint256 a) private view returns (bool) {
        return board.claimableRevenue(id, _backers[a]) != 0;
    }

    function _transferable(uint256 id, uint256 a) private view returns (bool) {
        return board.balanceOf(_backers[a], id) != 0;
    }

    /*//////////////////////////////////////////////////////////////////////////
                        ACTIONS, MEASURED (PRECONDITIONS MET)
    //////////////////////////////////////////////////////////////////////////*/

    function _publish(uint256 submissionId, int128 score) private {
        vm.prank(evaluator);
        board.publishEvaluation(submissionId, score, keccak256(abi.encode("report", submissionId)));
    }

    function _refund(uint256 id, address backer) private {
        uint256 shares = board.balanceOf(backer, id);
        address token = board.getBounty(id).token;

        uint256 before = _held(token);
        vm.prank(backer);
        uint256 amount = board.refund(id);
        _expectEq("refund: amount vs shares", amount, shares);
        _expectEq("refund: amount vs sent", amount, before - _held(token));
        ghostRefunded[id] += amount;
        ghostRefundedOf[id][backer] += amount;
    }

    function _withdrawPayout(uint256 id) private {
        BountyBoard.Bounty memory b = board.getBounty(id);
        uint256 owed = board.payoutOwed(id);

        uint256 before = _held(b.token);
        vm.prank(board.getSubmission(b.bestSubmissionId).trainer);
        uint256 amount = board.withdrawPayout(id);
        _expectEq("withdrawPayout: amount vs owed", amount, owed);
        _expectEq("withdrawPayout: amount vs sent", amount, before - _held(b.token));
        ghostPayoutWithdrawn[id] += amount;
    }

    function _withdrawBond(uint256 id, address trainer) private {
        uint256 bond = board.getClaim(id, trainer).bond;
        address token = board.getBounty(id).token;

        uint256 before = _held(token);
        vm.prank(trainer);
        board.withdrawBond(id);
        _expectEq("withdrawBond: bond vs sent", bond, before - _held(token));
    }

    function _forfeitBond(uint256 id, address trainer) private {
        BountyBoard.Bounty memory b = board.getBounty(id);
        uint256 bond = board.getClaim(id, trainer).bond;
        uint256 feesBefore = board.accruedFees(b.token);
        uint256 payoutBefore = board.payoutOwed(id);
        vm.prank(payer); // anyone may call it
        board.forfeitBond(id, trainer);
        if (b.status == BountyBoard.Status.Fulfilled) {
            _expectEq("forfeitBond: to payout", board.payoutOwed(id) - payoutBefore, bond);
        } else {
            _expectEq("forfeitBond: to fees", board.accruedFees(b.token) - feesBefore, bond);
        }
    }

    function _claimRevenue(uint256 id, address backer) private {
        uint256 claimable = board.claimableRevenue(id, backer);
        address token = board.getBounty(id).token;

        uint256 before = _held(token);
        vm.prank(backer);
        uint256 amount = board.claimRevenue(id);
        _expectEq("claimRevenue: amount vs claimable", amount, claimable);
        _expectEq("claimRevenue: amount vs sent", amount, before - _held(token));
        ghostRevenueClaimed[id] += amount;
    }

    function _withdrawFees(address token) private returns (bool) {
        uint256 accrued = board.accruedFees(token);
        if (accrued == 0) return false;

        uint256 before = _held(token);
        uint256 amount = board.withdrawFees(token);
        _expectEq("withdrawFees: amount vs accrued", amount, accrued);
        _expectEq("withdrawFees: amount vs sent", amount, before - _held(token));
        ghostFeesWithdrawn[token] += amount;
        return true;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      PICKING
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev The first bounty satisfying `ok`, searching forward from a random one; 0 if none does.
    function _findBounty(uint256 seed, function(uint256) view returns (bool) ok)
        private
        view
        returns (uint256)
    {
        (uint256 count,) = board.counts();
        if (count == 0) return 0;
        uint256 start = seed % count;
        for (uint256 i; i < count; ++i) {
            uint256 id = (start + i) % count + 1;
            if (ok(id)) return id;
        }
        return 0;
    }

    /// @dev The first (bounty, actor index) pair satisfying `ok`, searching forward from a random one; bounty 0 if
    /// none does.
    function _findPair(uint256 seed, uint256 actors, function(uint256, uint256) view returns (bool) ok)
        private
        view
        returns (uint256, uint256)
    {
        (uint256 count,) = board.counts();
        uint256 pairs = count * actors;
        if (pairs == 0) return (0, 0);
        uint256 start = seed % pairs;
        for (uint256 i; i < pairs; ++i) {
            uint256 pair = (start + i) % pairs;
            if (ok(pair / actors + 1, pair % actors)) return (pair / actors + 1, pair % actors);
        }
        return (0, 0);
    }

    /// @dev A submission without a verdict, searching forward from a random one; 0 if there is none.
    function _findPendingSubmission(uint256 seed) private view returns (uint256) {
        (, uint256 count) = board.counts();
        if (count == 0) return 0;
        uint256 start = seed % count;
        for (uint256 i; i < count; ++i) {
            uint256 id = (start + i) % count + 1;
            if (board.getSubmission(id).verdict == BountyBoard.Verdict.Pending) return id;
        }
        return 0;
    }

    function _held(address token) private view returns (uint256) {
        return IERC20(token).balanceOf(address(board));
    }

    function _expectEq(string memory what, uint256 reported, uint256 measured) private pure {
        if (reported != measured) revert Handler_Mismatch(what, reported, measured);
    }

    /// @dev Maps `x` into [min, max], as BaseTest.bound does.
    function _bound(uint256 x, uint256 min, uint256 max) private pure returns (uint256) {
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }
}
