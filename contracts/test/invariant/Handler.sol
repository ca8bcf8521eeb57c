// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import { Vm } from "@prb/test/Vm.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";

/// @notice Drives a BountyBoard (protocol v2) through bounded random lifecycles for the invariant suite: bounties
/// over two tokens (one fee-on-transfer) created, funded, cancelled, claimed, committed and revealed to (from a
/// small pool of checkpoint hashes, so trainers collide and copy each other), scored or disqualified, disputed,
/// resolved or expired, finalized, verified, unlocked and paid out, with refunds, bonds, dispute bonds, revenue,
/// share transfers and fees, while time moves forward.
/// @dev Each action looks, from a random starting point, for something the board's views say is valid now and
/// does nothing if there is none. A valid action must then succeed (the suite runs with `fail-on-revert`), so an
/// unexpected revert fails the run. Ghost variables record the money shared out to and claimed by shareholders.
contract Handler {
    // forge-lint: disable-next-line(screaming-snake-case-const)
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 public constant MAX_BOUNTIES = 8;
    uint256 public constant MAX_ACTIVE = 3;
    int128 public constant TARGET = 8e8;
    bytes32 public constant EVAL_SHA = keccak256("eval set");
    bytes32 public constant EVAL_SALT = keccak256("eval salt");

    BountyBoard public immutable board;
    address public immutable admin;
    address public immutable dao;
    address public immutable evaluator;
    address public immutable arbiter;
    address public immutable payer;

    address[] private _tokens;
    address[] private _backers;
    address[] private _trainers;

    /// @notice The checkpoint hash each submission committed to (the handler knows its salts).
    mapping(uint256 submissionId => bytes32) public hashOf;
    mapping(uint256 submissionId => uint256) public committedAt;
    mapping(uint256 submissionId => uint256) public commitBlockOf;
    /// @notice Revenue and forfeited bonds shared out, and revenue claimed, per token.
    mapping(address token => uint256) public ghostShared;
    mapping(address token => uint256) public ghostClaimed;
    mapping(bytes32 action => uint256) public calls;

    constructor(
        BountyBoard board_,
        address[6] memory roles, // admin, dao, evaluator, arbiter, payer, unused
        address[] memory tokens_,
        address[] memory backers_,
        address[] memory trainers_
    ) {
        board = board_;
        admin = roles[0];
        dao = roles[1];
        evaluator = roles[2];
        arbiter = roles[3];
        payer = roles[4];
        _tokens = tokens_;
        _backers = backers_;
        _trainers = trainers_;
    }

    /// @notice The fuzzed actions.
    function selectors() external pure returns (bytes4[] memory s) {
        s = new bytes4[](21);
        s[0] = this.createBounty.selector;
        s[1] = this.fund.selector;
        s[2] = this.cancelBounty.selector;
        s[3] = this.claim.selector;
        s[4] = this.commit.selector;
        s[5] = this.reveal.selector;
        s[6] = this.evaluate.selector;
        s[7] = this.dispute.selector;
        s[8] = this.resolveDispute.selector;
        s[9] = this.expireDispute.selector;
        s[10] = this.finalize.selector;
        s[11] = this.revealEvalSet.selector;
        s[12] = this.unlockPayout.selector;
        s[13] = this.refund.selector;
        s[14] = this.withdrawPayout.selector;
        s[15] = this.settleBond.selector;
        s[16] = this.withdrawDisputeBond.selector;
        s[17] = this.depositRevenue.selector;
        s[18] = this.claimRevenue.selector;
        s[19] = this.transferShares.selector;
        s[20] = this.warp.selector;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    FUZZED ACTIONS
    //////////////////////////////////////////////////////////////////////////*/

    function createBounty(uint256 tokenSeed, uint256 goalSeed, uint256 timeSeed, uint256 shape) external {
        (uint256 count,,) = board.counts();
        if (count >= MAX_BOUNTIES || _active() >= MAX_ACTIVE) return;
        address token = _tokens[tokenSeed % _tokens.length];
        uint256 unit = 10 ** IERC20Metadata(token).decimals();
        uint64 fundingDeadline = uint64(block.timestamp + _bound(timeSeed, 1 hours, 3 days));
        uint64 deliveryDeadline = fundingDeadline + uint64(_bound(timeSeed >> 64, 1 hours, 6 days));
        BountyBoard.CreateBountyParams memory p = BountyBoard.CreateBountyParams({
            token: token,
            goal: uint128(_bound(goalSeed, 1, 1000 * unit)),
            fundingDeadline: fundingDeadline,
            deliveryDeadline: deliveryDeadline,
            specHash: keccak256(abi.encode("spec", count)),
            evalSetCommitment: sha256(abi.encodePacked(EVAL_SALT, EVAL_SHA)),
            metricId: "accuracy",
            targetScore: TARGET,
            direction: BountyBoard.Direction.HigherIsBetter,
            bond: shape % 4 == 0 ? 0 : uint128(_bound(shape >> 8, 1, 50 * unit)),
            challengeWindow: uint32(_bound(shape >> 16, 1 hours, 2 days)),
            arbiter: arbiter,
            disputeBond: (shape >> 2) % 3 == 0 ? 0 : uint128(_bound(shape >> 24, 1, 20 * unit)),
            revealPeriod: uint32(_bound(shape >> 32, 1 hours, 2 days)),
            evaluationPeriod: uint32(_bound(shape >> 40, 1 hours, 2 days)),
            verificationPeriod: uint32(_bound(shape >> 48, 1 hours, 3 days)),
            allowOverfunding: (shape >> 5) % 2 == 0
        });
        (uint16 fee,) = board.feeConfig();
        vm.prank(dao);
        board.createBounty(p, fee);
        calls["createBounty"]++;
    }

    function fund(uint256 seed, uint256 amountSeed) external {
        uint256 id = _findBounty(seed, _fundable);
        if (id == 0) return;
        BountyBoard.Bounty memory b = board.getBounty(id);
        address backer = _backers[(seed >> 8) % _backers.length];
        uint256 amount = amountSeed % 2 == 0 ? uint256(b.goal) * 2 : _bound(amountSeed, 1, b.goal);
        uint256 before = IERC20(b.token).balanceOf(address(board));
        vm.prank(backer);
        uint256 credited = board.fund(id, amount);
        require(credited == IERC20(b.token).balanceOf(address(board)) - before, "fund: credited != arrived");
        calls["fund"]++;
    }

    function cancelBounty(uint256 seed) external {
        if (uint256(keccak256(abi.encode(seed))) % 4 != 0) return;
        uint256 id = _findBounty(seed, _cancellable);
        if (id == 0) return;
        vm.prank(dao);
        board.cancelBounty(id);
        calls["cancelBounty"]++;
    }

    function claim(uint256 seed) external {
        (uint256 id, address trainer) = _findTrainer(seed, _claimable);
        if (id == 0) return;
        vm.prank(trainer);
        board.claim(id);
        calls["claim"]++;
    }

    /// @dev Commits to one of four checkpoint hashes per bounty, so trainers collide.
    function commit(uint256 seed) external {
        (uint256 id, address trainer) = _findTrainer(seed, _committable);
        if (id == 0) return;
        bytes32 h = keccak256(abi.encode("ckpt", id, (seed >> 16) % 4));
        (, uint256 next,) = board.counts();
        next += 1;
        bytes32 commitment = board.commitmentOf(h, trainer, _salt(next));
        vm.prank(trainer);
        uint256 sub = board.commitCheckpoint(id, commitment);
        committedAt[sub] = block.timestamp;
        commitBlockOf[sub] = block.number;
        require(sub == next, "commit: id");
        hashOf[sub] = h;
        calls["commit"]++;
    }

    function reveal(uint256 seed) external {
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        uint256 sub = _findSubmission(seed, _revealable);
        if (sub == 0) return;
        BountyBoard.Submission memory s = board.getSubmission(sub);
        vm.prank(s.trainer);
        board.revealCheckpoint(s.bountyId, hashOf[sub], "crowdtrain://ckpt", _salt(sub));
        calls["reveal"]++;
    }

    /// @dev Scores a pending submission in [0, 1e9] (about 1 in 5 qualifies), or one time in five disqualifies it
    /// (half of those as a copy of an earlier reveal).
    function evaluate(uint256 seed, uint256 scoreSeed) external {
        uint256 sub = _findSubmission(seed, _evaluable);
        if (sub == 0) return;
        if (scoreSeed % 5 == 0) {
            uint256 copyOf = scoreSeed % 2 == 0 ? _earlierReveal(sub) : 0;
            vm.prank(evaluator);
            board.disqualifySubmission(sub, keccak256(abi.encode("dq", sub)), copyOf);
            calls["disqualifySubmission"]++;
        } else {
            vm.prank(evaluator);
            // forge-lint: disable-next-line(unsafe-typecast)
            board.publishEvaluation(
                sub, int128(int256(_bound(scoreSeed, 0, 1e9))), keccak256(abi.encode(sub))
            );
            calls["publishEvaluation"]++;
        }
    }

    function dispute(uint256 seed) external {
        uint256 sub = _findSubmission(seed, _disputable);
        if (sub == 0) return;
        address who = _backers[(seed >> 8) % _backers.length];
        vm.prank(who);
        board.dispute(sub, keccak256(abi.encode("reason", sub)));
        calls["dispute"]++;
    }

    function resolveDispute(uint256 seed, uint256 ruling) external {
        uint256 d = _findDispute(seed, true);
        if (d == 0) return;
        BountyBoard.Submission memory s = board.getSubmission(board.getDispute(d).submissionId);
        // forge-lint: disable-next-line(unsafe-typecast)
        int128 score = int128(int256(_bound(ruling >> 8, 0, 1e9)));
        uint256 kind = ruling % 3; // 0 rejected, 1 upheld disqualify, 2 corrected
        if (kind == 2 && s.final_) kind = 1;
        vm.prank(arbiter);
        board.resolveDispute(d, kind != 0, kind == 1, score, "ruling");
        // forge-lint: disable-next-line(unsafe-typecast)
        calls[kind == 0 ? bytes32("rejected") : kind == 1 ? bytes32("upheld") : bytes32("corrected")]++;
    }

    function expireDispute(uint256 seed) external {
        uint256 d = _findDispute(seed, false);
        if (d == 0) return;
        board.expireDispute(d);
        calls["expireDispute"]++;
    }

    function finalize(uint256 seed) external {
        uint256 id = _findBounty(seed, _finalizable);
        if (id == 0) return;
        board.finalize(id);
        calls["finalize"]++;
    }

    function revealEvalSet(uint256 seed) external {
        if (seed % 4 == 0) return; // sometimes the DAO stays silent
        uint256 id = _findBounty(seed, _evalSetRevealable);
        if (id == 0) return;
        board.revealEvalSet(id, EVAL_SHA, EVAL_SALT, "crowdtrain://evalset");
        calls["revealEvalSet"]++;
    }

    function unlockPayout(uint256 seed) external {
        uint256 id = _findBounty(seed, _unlockable);
        if (id == 0) return;
        board.unlockPayout(id);
        calls["unlockPayout"]++;
    }

    function refund(uint256 seed) external {
        (uint256 id, address backer) = _findBacker(seed, _refundable);
        if (id == 0) return;
        vm.prank(backer);
        board.refund(id, backer);
        calls["refund"]++;
    }

    function withdrawPayout(uint256 seed) external {
        uint256 id = _findBounty(seed, _payable);
        if (id == 0) return;
        _withdrawPayout(id);
    }

    /// @dev Returns or forfeits a bond, whichever the rules say.
    function settleBond(uint256 seed) external {
        (uint256 id, address trainer) = _findTrainer(seed, _bondSettleable);
        if (id == 0) return;
        _settleBond(id, trainer);
    }

    function withdrawDisputeBond(uint256 seed) external {
        (, uint256 disputes) = _countsSD();
        if (disputes == 0) return;
        for (uint256 i; i < disputes; ++i) {
            uint256 d = (seed % disputes + i) % disputes + 1;
            if (_disputeMoneyWaiting(d)) return _withdrawDisputeBond(d);
        }
    }

    function depositRevenue(uint256 seed, uint256 amountSeed) external {
        uint256 id = _findBounty(seed, _fulfilled);
        if (id == 0) return;
        address token = board.getBounty(id).token;
        uint256 amount = _bound(amountSeed, 1, 100 * 10 ** IERC20Metadata(token).decimals());
        vm.prank(payer);
        uint256 received = board.depositRevenue(id, amount);
        ghostShared[token] += received;
        calls["depositRevenue"]++;
    }

    function claimRevenue(uint256 seed) external {
        (uint256 id, address account) = _findBacker(seed, _hasRevenue);
        if (id == 0) return;
        _claimRevenue(id, account);
    }

    function transferShares(uint256 seed, uint256 amountSeed) external {
        (uint256 id, address from) = _findBacker(seed, _holds);
        if (id == 0) return;
        address to = _backers[(seed >> 32) % _backers.length];
        uint256 amount = _bound(amountSeed, 0, board.balanceOf(from, id));
        vm.prank(from);
        board.transfer(to, id, amount);
        calls["transferShares"]++;
    }

    function warp(uint256 seed) external {
        vm.warp(block.timestamp + _bound(seed, 1 minutes, 2 days));
        vm.roll(block.number + 1);
        // A later block also has a later timestamp, as on every chain.
        vm.warp(block.timestamp + 1);
        address token = _tokens[seed % _tokens.length];
        if (seed % 3 == 0 && board.accruedFees(token) != 0) {
            board.withdrawFees(token);
            calls["withdrawFees"]++;
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       LIVENESS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Warps far ahead and drives every bounty to its end through the public functions only, then has
    /// every party take out everything owed to it. Anything that cannot be done makes the caller's run fail.
    function settleEverything() external {
        (uint256 count,,) = board.counts();
        for (uint256 round; round < 4; ++round) {
            vm.warp(block.timestamp + 31 days);
            vm.roll(block.number + 1);
            // A later block also has a later timestamp, as on every chain.
            vm.warp(block.timestamp + 1);
            (, uint256 disputes) = _countsSD();
            for (uint256 d = 1; d <= disputes; ++d) {
                if (board.getDispute(d).outcome == BountyBoard.Outcome.Open) board.expireDispute(d);
            }
            for (uint256 id = 1; id <= count; ++id) {
                if (_finalizable(id)) board.finalize(id);
                if (_unlockable(id)) board.unlockPayout(id);
            }
        }
        for (uint256 id = 1; id <= count; ++id) {
            if (_payable(id)) _withdrawPayout(id);
            for (uint256 t; t < _trainers.length; ++t) {
                if (_bondSettleable(id, _trainers[t])) _settleBond(id, _trainers[t]);
            }
            for (uint256 a; a < _backers.length; ++a) {
                if (_refundable(id, _backers[a])) {
                    vm.prank(_backers[a]);
                    board.refund(id, _backers[a]);
                }
            }
        }
        (, uint256 total) = _countsSD();
        for (uint256 d = 1; d <= total; ++d) {
            if (_disputeMoneyWaiting(d)) _withdrawDisputeBond(d);
        }
        for (uint256 id = 1; id <= count; ++id) {
            for (uint256 a; a < _backers.length; ++a) {
                if (_hasRevenue(id, _backers[a])) _claimRevenue(id, _backers[a]);
            }
            if (_hasRevenue(id, dao)) _claimRevenue(id, dao);
        }
        for (uint256 t; t < _tokens.length; ++t) {
            if (board.accruedFees(_tokens[t]) != 0) board.withdrawFees(_tokens[t]);
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                        ACCESSORS
    //////////////////////////////////////////////////////////////////////////*/

    function backers() external view returns (address[] memory) {
        return _backers;
    }

    function trainers() external view returns (address[] memory) {
        return _trainers;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    ACTION HELPERS
    //////////////////////////////////////////////////////////////////////////*/

    function _withdrawPayout(uint256 id) private {
        BountyBoard.Bounty memory b = board.getBounty(id);
        address winner = board.getSubmission(b.bestSubmissionId).trainer;
        vm.prank(winner);
        board.withdrawPayout(id, winner);
        calls["withdrawPayout"]++;
    }

    function _settleBond(uint256 id, address trainer) private {
        BountyBoard.Claim memory c = board.getClaim(id, trainer);
        if (c.marks != 0 || (c.scored == 0 && c.pending == 0)) {
            ghostShared[board.getBounty(id).token] += c.bond;
            vm.prank(payer);
            board.forfeitBond(id, trainer);
            calls["forfeitBond"]++;
        } else {
            vm.prank(trainer);
            board.withdrawBond(id, trainer);
            calls["withdrawBond"]++;
        }
    }

    function _withdrawDisputeBond(uint256 d) private {
        BountyBoard.Dispute memory dis = board.getDispute(d);
        address who = dis.outcome == BountyBoard.Outcome.Rejected
            ? board.getSubmission(dis.submissionId).trainer
            : dis.disputer;
        vm.prank(who);
        board.withdrawDisputeBond(d, who);
        calls["withdrawDisputeBond"]++;
    }

    function _claimRevenue(uint256 id, address account) private {
        address token = board.getBounty(id).token;
        vm.prank(account);
        ghostClaimed[token] += board.claimRevenue(id, account);
        calls["claimRevenue"]++;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    PRECONDITIONS
    //////////////////////////////////////////////////////////////////////////*/

    function _fundable(uint256 id) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        bool open = b.status == BountyBoard.Status.Funding
            || (b.status == BountyBoard.Status.Funded && b.allowOverfunding);
        return open && block.timestamp < b.fundingDeadline;
    }

    function _cancellable(uint256 id) private view returns (bool) {
        return board.getBounty(id).status == BountyBoard.Status.Funding;
    }

    function _claimable(uint256 id, address trainer) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        return b.status == BountyBoard.Status.Funded && block.timestamp < b.deliveryDeadline
            && board.getClaim(id, trainer).bondState == BountyBoard.BondState.None;
    }

    function _committable(uint256 id, address trainer) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        BountyBoard.Claim memory c = board.getClaim(id, trainer);
        return b.status == BountyBoard.Status.Funded && block.timestamp < b.deliveryDeadline
            && c.bondState != BountyBoard.BondState.None && c.commits < board.MAX_SUBMISSIONS_PER_TRAINER();
    }

    function _revealable(uint256 sub) private view returns (bool) {
        BountyBoard.Submission memory s = board.getSubmission(sub);
        BountyBoard.Bounty memory b = board.getBounty(s.bountyId);
        return s.revealedAt == 0 && b.status == BountyBoard.Status.Funded && block.number > commitBlockOf[sub]
            && block.timestamp < committedAt[sub] + b.revealPeriod;
    }

    function _evaluable(uint256 sub) private view returns (bool) {
        BountyBoard.Submission memory s = board.getSubmission(sub);
        BountyBoard.Bounty memory b = board.getBounty(s.bountyId);
        return s.revealedAt != 0 && s.verdict == BountyBoard.Verdict.Pending
            && b.status == BountyBoard.Status.Funded
            && block.timestamp < uint256(s.revealedAt) + b.evaluationPeriod;
    }

    function _disputable(uint256 sub) private view returns (bool) {
        BountyBoard.Submission memory s = board.getSubmission(sub);
        if (s.verdictAt == 0 || s.final_ || s.openDispute != 0) return false;
        BountyBoard.Bounty memory b = board.getBounty(s.bountyId);
        if (b.status == BountyBoard.Status.Funded) {
            return block.timestamp < uint256(s.verdictAt) + b.challengeWindow;
        }
        if (b.status == BountyBoard.Status.Verifying) {
            return b.evalSetRevealedAt != 0 && block.timestamp < board.unlockAt(s.bountyId);
        }
        return false;
    }

    function _finalizable(uint256 id) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        if (b.status == BountyBoard.Status.Funding) return block.timestamp >= b.fundingDeadline;
        if (b.status != BountyBoard.Status.Funded || b.openDisputes != 0) return false;
        return block.timestamp >= board.finalizableAt(id);
    }

    function _evalSetRevealable(uint256 id) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        return b.finalizedAt != 0 && b.evalSetRevealedAt == 0;
    }

    function _unlockable(uint256 id) private view returns (bool) {
        BountyBoard.Bounty memory b = board.getBounty(id);
        return b.status == BountyBoard.Status.Verifying && b.openDisputes == 0
            && block.timestamp >= board.unlockAt(id);
    }

    function _refundable(uint256 id, address backer) private view returns (bool) {
        return board.refundable(id, backer) != 0;
    }

    function _payable(uint256 id) private view returns (bool) {
        return board.payoutOwed(id) != 0;
    }

    function _bondSettleable(uint256 id, address trainer) private view returns (bool) {
        BountyBoard.Status s = board.getBounty(id).status;
        BountyBoard.Claim memory c = board.getClaim(id, trainer);
        return (s == BountyBoard.Status.Fulfilled || s == BountyBoard.Status.Failed)
            && c.bondState == BountyBoard.BondState.Posted && c.bond != 0;
    }

    function _disputeMoneyWaiting(uint256 d) private view returns (bool) {
        BountyBoard.Dispute memory dis = board.getDispute(d);
        return
            dis.outcome != BountyBoard.Outcome.Open && !dis.withdrawn && uint256(dis.bond) + dis.reward != 0;
    }

    function _fulfilled(uint256 id) private view returns (bool) {
        return board.getBounty(id).status == BountyBoard.Status.Fulfilled;
    }

    function _hasRevenue(uint256 id, address account) private view returns (bool) {
        return board.claimableRevenue(id, account) != 0;
    }

    function _holds(uint256 id, address account) private view returns (bool) {
        return board.balanceOf(account, id) != 0;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       SEARCH
    //////////////////////////////////////////////////////////////////////////*/

    function _findBounty(uint256 seed, function(uint256) view returns (bool) ok)
        private
        view
        returns (uint256)
    {
        (uint256 count,,) = board.counts();
        for (uint256 i; i < count; ++i) {
            uint256 id = (seed % count + i) % count + 1;
            if (ok(id)) return id;
        }
        return 0;
    }

    function _findTrainer(uint256 seed, function(uint256, address) view returns (bool) ok)
        private
        view
        returns (uint256, address)
    {
        return _findPair(seed, _trainers, ok);
    }

    function _findBacker(uint256 seed, function(uint256, address) view returns (bool) ok)
        private
        view
        returns (uint256, address)
    {
        return _findPair(seed, _backers, ok);
    }

    function _findPair(
        uint256 seed,
        address[] storage accounts,
        function(uint256, address) view returns (bool) ok
    ) private view returns (uint256, address) {
        (uint256 count,,) = board.counts();
        uint256 n = count * accounts.length;
        for (uint256 i; i < n; ++i) {
            uint256 k = (seed % n + i) % n;
            uint256 id = k / accounts.length + 1;
            address account = accounts[k % accounts.length];
            if (ok(id, account)) return (id, account);
        }
        return (0, address(0));
    }

    function _findSubmission(uint256 seed, function(uint256) view returns (bool) ok)
        private
        view
        returns (uint256)
    {
        (uint256 subs,) = _countsSD();
        for (uint256 i; i < subs; ++i) {
            uint256 sub = (seed % subs + i) % subs + 1;
            if (ok(sub)) return sub;
        }
        return 0;
    }

    function _findDispute(uint256 seed, bool beforeDeadline) private view returns (uint256) {
        (, uint256 disputes) = _countsSD();
        for (uint256 i; i < disputes; ++i) {
            uint256 d = (seed % disputes + i) % disputes + 1;
            BountyBoard.Dispute memory dis = board.getDispute(d);
            if (dis.outcome != BountyBoard.Outcome.Open) continue;
            if ((block.timestamp < dis.deadline) == beforeDeadline) return d;
        }
        return 0;
    }

    /// @dev An earlier revealed submission of the same bounty, or 0.
    function _earlierReveal(uint256 sub) private view returns (uint256) {
        uint256 bountyId = board.getSubmission(sub).bountyId;
        for (uint256 other = sub - 1; other > 0; --other) {
            BountyBoard.Submission memory s = board.getSubmission(other);
            if (s.bountyId == bountyId && s.revealedAt != 0) return other;
        }
        return 0;
    }

    function _countsSD() private view returns (uint256 submissions, uint256 disputes) {
        (, submissions, disputes) = board.counts();
    }

    function _active() private view returns (uint256 active) {
        (uint256 count,,) = board.counts();
        for (uint256 id = 1; id <= count; ++id) {
            BountyBoard.Status s = board.getBounty(id).status;
            if (
                s == BountyBoard.Status.Funding || s == BountyBoard.Status.Funded
                    || s == BountyBoard.Status.Verifying
            ) {
                ++active;
            }
        }
    }

    function _salt(uint256 sub) private pure returns (bytes32) {
        return keccak256(abi.encode("salt", sub));
    }

    function _bound(uint256 x, uint256 min, uint256 max) private pure returns (uint256) {
        if (x >= min && x <= max) return x;
        return min + (x % (max - min + 1));
    }
}
