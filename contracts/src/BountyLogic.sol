// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "./BountyBoard.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title BountyLogic
/// @notice The rarer, heavier paths of {BountyBoard}: disputes and their rulings, the eval set's reveal, the checks
/// of a new bounty, and on-chain duplicate detection. A linked library: its external functions run in the board's
/// context (DELEGATECALL) on the board's {BountyBoard.State}, so the board stays under the 24 KiB code limit
/// (EIP-170) while the hot paths (fund, refund, commit, reveal, verdicts, withdrawals) stay in the board itself.
/// Its internal functions (token moves with the solvency checks, qualification, the unlock time) are compiled into
/// the board. Rules: docs/decisions/016-protocol-v2.md.
library BountyLogic {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;
    /// @dev Fixed-point scale of revenue per share. Holders' entitlements are kept in this scale, so only the
    /// final claim rounds.
    uint256 internal constant REVENUE_PRECISION = 1e27;
    // Exposed by the board under the same names; see their docs there.
    uint256 internal constant MAX_URI_LENGTH = 512;
    uint16 internal constant DISPUTE_REWARD_BPS = 5000;
    bytes32 internal constant DUPLICATE_REPORT = keccak256("crowdtrain.duplicate-checkpoint");
    uint32 internal constant PERIOD_FLOOR = 1 minutes;
    uint32 internal constant PERIOD_CEILING = 30 days;
    uint32 internal constant MAX_HORIZON = 730 days;

    /// @dev The body of {BountyBoard-createBounty}, after the role checks: `bountyId` is the new id, `feeBps` the
    /// board's fee now.
    function createBounty(
        BountyBoard.State storage s,
        BountyBoard.CreateBountyParams calldata p,
        uint256 bountyId,
        uint16 feeBps,
        uint16 maxFeeBps
    ) external {
        if (feeBps > maxFeeBps) {
            revert BountyBoard.BountyBoard_FeeAboveMax(feeBps, maxFeeBps);
        }
        if (!s.tokens[p.token].allowed) revert BountyBoard.BountyBoard_TokenNotAllowed(p.token);
        if (p.goal == 0) revert BountyBoard.BountyBoard_ZeroGoal();
        if (p.arbiter == address(0)) revert BountyBoard.BountyBoard_ZeroAddress();
        if (p.specHash == bytes32(0)) revert BountyBoard.BountyBoard_ZeroHash("specHash");
        if (p.evalSetCommitment == bytes32(0)) revert BountyBoard.BountyBoard_ZeroHash("evalSetCommitment");
        _checkTimes(s, p);
        _checkTarget(s, p);

        BountyBoard.Bounty storage b = s.bounties[bountyId];
        b.token = p.token;
        b.fundingDeadline = p.fundingDeadline;
        b.status = BountyBoard.Status.Funding;
        b.allowOverfunding = p.allowOverfunding;
        b.decimals = _decimalsOf(p.token);
        b.goal = p.goal;
        b.dao = msg.sender;
        b.deliveryDeadline = p.deliveryDeadline;
        b.challengeWindow = p.challengeWindow;
        b.arbiter = p.arbiter;
        b.revealPeriod = p.revealPeriod;
        b.evaluationPeriod = p.evaluationPeriod;
        b.verificationPeriod = p.verificationPeriod;
        b.targetScore = p.targetScore;
        b.bond = p.bond;
        b.disputeBond = p.disputeBond;
        b.direction = p.direction;
        b.feeBps = feeBps;
        b.specHash = p.specHash;
        b.evalSetCommitment = p.evalSetCommitment;
        b.metricId = p.metricId;
        emit BountyBoard.BountyCreated(bountyId, msg.sender, p.token, p, feeBps);
    }

    /// @notice Checks the board's parameter bounds against their hard-coded bounds.
    function checkLimits(BountyBoard.Limits memory l) external pure {
        uint256 floor = PERIOD_FLOOR;
        uint256 ceiling = PERIOD_CEILING;
        _checkPeriod("minChallengeWindow", l.minChallengeWindow, floor, ceiling);
        _checkPeriod("minRevealPeriod", l.minRevealPeriod, floor, ceiling);
        _checkPeriod("minEvaluationPeriod", l.minEvaluationPeriod, floor, ceiling);
        _checkPeriod("minVerificationPeriod", l.minVerificationPeriod, floor, ceiling);
        _checkPeriod("arbitrationPeriod", l.arbitrationPeriod, floor, ceiling);
        _checkPeriod("maxFundingPeriod", l.maxFundingPeriod, floor, MAX_HORIZON);
        _checkPeriod("maxDeliveryPeriod", l.maxDeliveryPeriod, floor, MAX_HORIZON);
    }

    /// @dev The body of {BountyBoard-dispute}.
    function dispute(BountyBoard.State storage s, uint256 submissionId, bytes32 reasonHash)
        external
        returns (uint256 disputeId)
    {
        BountyBoard.Submission storage sub = s.submissions[submissionId];
        if (sub.trainer == address(0)) revert BountyBoard.BountyBoard_UnknownSubmission(submissionId);
        uint256 bountyId = sub.bountyId;
        BountyBoard.Bounty storage b = s.bounties[bountyId];
        if (!_disputable(b, sub)) revert BountyBoard.BountyBoard_NotDisputable(submissionId);
        if (sub.openDispute != 0) {
            revert BountyBoard.BountyBoard_DisputeAlreadyOpen(submissionId, sub.openDispute);
        }
        if (reasonHash == bytes32(0)) revert BountyBoard.BountyBoard_ZeroHash("reasonHash");
        uint128 bond = b.disputeBond;
        if (bond != 0) bond = toUint128(pull(s, b.token, msg.sender, bond));

        unchecked {
            disputeId = ++s.disputeCount;
            b.openDisputes += 1;
        }
        uint256 deadline = block.timestamp + s.limits.arbitrationPeriod;
        s.disputes[disputeId] = BountyBoard.Dispute({
            disputer: msg.sender,
            // forge-lint: disable-next-line(unsafe-typecast)
            submissionId: uint64(submissionId), // from a uint64 counter
            outcome: BountyBoard.Outcome.Open,
            withdrawn: false,
            bond: bond,
            reward: 0,
            openedAt: uint40(block.timestamp),
            deadline: uint40(deadline)
        });
        // forge-lint: disable-next-line(unsafe-typecast)
        sub.openDispute = uint64(disputeId); // from a uint64 counter
        emit BountyBoard.DisputeOpened(
            disputeId, bountyId, submissionId, msg.sender, reasonHash, bond, uint64(deadline)
        );
    }

    /// @dev The body of {BountyBoard-resolveDispute}.
    function resolveDispute(
        BountyBoard.State storage s,
        uint256 disputeId,
        bool upheld,
        bool disqualify,
        int128 correctedScore,
        bytes32 reportHash
    ) external {
        BountyBoard.Dispute storage d = _openDispute(s, disputeId);
        BountyBoard.Submission storage sub = s.submissions[d.submissionId];
        uint256 bountyId = sub.bountyId;
        BountyBoard.Bounty storage b = s.bounties[bountyId];
        if (msg.sender != b.arbiter) {
            revert BountyBoard.BountyBoard_NotArbiter(bountyId, msg.sender, b.arbiter);
        }
        if (block.timestamp >= d.deadline) {
            revert BountyBoard.BountyBoard_DisputeDeadlinePassed(disputeId, d.deadline);
        }
        if (reportHash == bytes32(0)) revert BountyBoard.BountyBoard_ZeroHash("reportHash");

        BountyBoard.Outcome outcome;
        int128 score = sub.score;
        if (!upheld) {
            outcome = BountyBoard.Outcome.Rejected;
            if (d.disputer == sub.trainer && d.bond != 0) {
                // A trainer disputing their own verdict risks their bond too: rejected, it goes to the backers.
                share(s, b, bountyId, d.bond);
                d.bond = 0;
            }
        } else if (disqualify) {
            outcome = BountyBoard.Outcome.Upheld;
            d.reward = _disqualifyForGood(s, b, bountyId, d.submissionId, sub, reportHash);
        } else {
            outcome = BountyBoard.Outcome.Corrected;
            if (sub.final_) revert BountyBoard.BountyBoard_SubmissionFinal(d.submissionId);
            checkScore(s, b, correctedScore);
            score = correctedScore;
            _correct(s, b, bountyId, d.submissionId, sub, correctedScore, reportHash);
        }
        _closeDispute(b, sub, d, outcome);
        emit BountyBoard.DisputeResolved(
            disputeId, bountyId, d.submissionId, outcome, score, reportHash, d.reward
        );
        _failIfNoWinner(b, bountyId);
    }

    /// @dev The body of {BountyBoard-expireDispute}.
    function expireDispute(BountyBoard.State storage s, uint256 disputeId) external {
        BountyBoard.Dispute storage d = _openDispute(s, disputeId);
        if (block.timestamp < d.deadline) {
            revert BountyBoard.BountyBoard_DisputeNotExpired(disputeId, d.deadline);
        }
        BountyBoard.Submission storage sub = s.submissions[d.submissionId];
        uint256 bountyId = sub.bountyId;
        BountyBoard.Bounty storage b = s.bounties[bountyId];
        _closeDispute(b, sub, d, BountyBoard.Outcome.Expired);
        emit BountyBoard.DisputeResolved(
            disputeId, bountyId, d.submissionId, BountyBoard.Outcome.Expired, sub.score, bytes32(0), 0
        );
        _failIfNoWinner(b, bountyId);
    }

    /// @dev The body of {BountyBoard-withdrawDisputeBond}.
    function withdrawDisputeBond(BountyBoard.State storage s, uint256 disputeId, address to)
        external
        returns (uint256 amount)
    {
        BountyBoard.Dispute storage d = s.disputes[disputeId];
        if (d.disputer == address(0)) revert BountyBoard.BountyBoard_UnknownDispute(disputeId);
        if (d.outcome == BountyBoard.Outcome.Open) {
            revert BountyBoard.BountyBoard_DisputeNotOpen(disputeId, d.outcome);
        }
        BountyBoard.Submission storage sub = s.submissions[d.submissionId];
        address beneficiary = d.outcome == BountyBoard.Outcome.Rejected ? sub.trainer : d.disputer;
        if (msg.sender != beneficiary) {
            revert BountyBoard.BountyBoard_NotDisputeBeneficiary(disputeId, msg.sender, beneficiary);
        }
        amount = uint256(d.bond) + d.reward;
        if (d.withdrawn || amount == 0) {
            revert BountyBoard.BountyBoard_NothingToWithdraw(sub.bountyId, msg.sender);
        }
        d.withdrawn = true;
        emit BountyBoard.DisputeBondWithdrawn(disputeId, msg.sender, to, amount);
        pay(s, s.bounties[sub.bountyId].token, to, amount);
    }

    /// @dev The body of {BountyBoard-revealEvalSet}.
    function revealEvalSet(
        BountyBoard.State storage s,
        uint256 bountyId,
        bytes32 evalSetSha256,
        bytes32 salt,
        string calldata uri
    ) external {
        BountyBoard.Bounty storage b = s.bounties[bountyId];
        if (b.finalizedAt == 0) revert BountyBoard.BountyBoard_WrongStatus(bountyId, b.status);
        if (b.evalSetRevealedAt != 0) revert BountyBoard.BountyBoard_EvalSetAlreadyRevealed(bountyId);
        if (sha256(abi.encodePacked(salt, evalSetSha256)) != b.evalSetCommitment) {
            revert BountyBoard.BountyBoard_EvalSetMismatch(bountyId, b.evalSetCommitment);
        }
        checkUri(uri);
        b.evalSetRevealedAt = uint40(block.timestamp);
        emit BountyBoard.EvalSetRevealed(bountyId, evalSetSha256, salt, uri, uint64(unlockAt(b)));
    }

    /// @dev Disqualifies a submission on-chain because an earlier commit (`original`) revealed the same checkpoint.
    /// `counted`: the copy was revealed before, so it sits in the pending or scored counts.
    function markDuplicate(
        BountyBoard.State storage s,
        BountyBoard.Bounty storage b,
        uint256 bountyId,
        uint256 copyId,
        uint256 original,
        bool counted
    ) external {
        BountyBoard.Submission storage sub = s.submissions[copyId];
        BountyBoard.Claim storage c = s.claims[bountyId][sub.trainer];
        BountyBoard.Verdict verdict = sub.verdict;
        unchecked {
            // It leaves the count it was in; a copy is marked once.
            if (counted && verdict == BountyBoard.Verdict.Pending) {
                c.pending -= 1;
                b.pending -= 1;
            } else if (verdict == BountyBoard.Verdict.Scored) {
                c.scored -= 1;
            }
            if (!sub.marked) c.marks += 1;
        }
        sub.marked = true;
        sub.final_ = true;
        sub.verdict = BountyBoard.Verdict.Disqualified;
        // forge-lint: disable-next-line(unsafe-typecast)
        sub.copyOf = uint64(original); // from a uint64 counter
        sub.reportHash = DUPLICATE_REPORT;
        if (sub.verdictAt == 0) sub.verdictAt = uint40(block.timestamp);
        emit BountyBoard.SubmissionDisqualified(bountyId, copyId, DUPLICATE_REPORT, original);
        if (b.bestSubmissionId == copyId) _rescanBest(s, b, bountyId);
    }

    function _checkPeriod(string memory field, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) {
            revert BountyBoard.BountyBoard_PeriodOutOfBounds(field, value, min, max);
        }
    }

    function _checkTimes(BountyBoard.State storage s, BountyBoard.CreateBountyParams calldata p)
        private
        view
    {
        BountyBoard.Limits memory l = s.limits;
        if (p.fundingDeadline <= block.timestamp) {
            revert BountyBoard.BountyBoard_FundingDeadlineNotInFuture(p.fundingDeadline, block.timestamp);
        }
        if (p.deliveryDeadline <= p.fundingDeadline) {
            revert BountyBoard.BountyBoard_DeliveryBeforeFunding(p.fundingDeadline, p.deliveryDeadline);
        }
        _checkPeriod("fundingPeriod", p.fundingDeadline - block.timestamp, 1, l.maxFundingPeriod);
        _checkPeriod("deliveryPeriod", p.deliveryDeadline - p.fundingDeadline, 1, l.maxDeliveryPeriod);
        _checkPeriod("challengeWindow", p.challengeWindow, l.minChallengeWindow, PERIOD_CEILING);
        _checkPeriod("revealPeriod", p.revealPeriod, l.minRevealPeriod, PERIOD_CEILING);
        _checkPeriod("evaluationPeriod", p.evaluationPeriod, l.minEvaluationPeriod, PERIOD_CEILING);
        _checkPeriod("verificationPeriod", p.verificationPeriod, l.minVerificationPeriod, PERIOD_CEILING);
    }

    /// @dev The metric must be registered with this direction; the target inside its range and strictly better
    /// than its worst value, so a junk score cannot qualify.
    function _checkTarget(BountyBoard.State storage s, BountyBoard.CreateBountyParams calldata p)
        private
        view
    {
        BountyBoard.Metric storage m = s.metrics[p.metricId];
        if (!m.registered) revert BountyBoard.BountyBoard_UnknownMetric(p.metricId);
        if (m.direction != p.direction) {
            revert BountyBoard.BountyBoard_WrongDirection(p.metricId, p.direction);
        }
        bool inRange = p.direction == BountyBoard.Direction.HigherIsBetter
            ? p.targetScore > m.min && p.targetScore <= m.max
            : p.targetScore >= m.min && p.targetScore < m.max;
        if (!inRange) revert BountyBoard.BountyBoard_TargetOutOfRange(p.targetScore, m.min, m.max);
    }

    /// @dev A verdict can be disputed during its challenge window while the bounty is Funded, and during a
    /// Verifying bounty's verification period (after the eval set's reveal, before the unlock).
    function _disputable(BountyBoard.Bounty storage b, BountyBoard.Submission storage sub)
        private
        view
        returns (bool)
    {
        if (sub.verdictAt == 0 || sub.final_) return false;
        if (b.status == BountyBoard.Status.Funded) {
            return block.timestamp < uint256(sub.verdictAt) + b.challengeWindow;
        }
        if (b.status == BountyBoard.Status.Verifying) {
            return b.evalSetRevealedAt != 0 && block.timestamp < unlockAt(b);
        }
        return false;
    }

    function _openDispute(BountyBoard.State storage s, uint256 disputeId)
        private
        view
        returns (BountyBoard.Dispute storage d)
    {
        d = s.disputes[disputeId];
        if (d.disputer == address(0)) revert BountyBoard.BountyBoard_UnknownDispute(disputeId);
        if (d.outcome != BountyBoard.Outcome.Open) {
            revert BountyBoard.BountyBoard_DisputeNotOpen(disputeId, d.outcome);
        }
    }

    function _closeDispute(
        BountyBoard.Bounty storage b,
        BountyBoard.Submission storage sub,
        BountyBoard.Dispute storage d,
        BountyBoard.Outcome outcome
    ) private {
        d.outcome = outcome;
        sub.openDispute = 0;
        unchecked {
            // This dispute was counted when it opened.
            b.openDisputes -= 1;
        }
    }

    /// @dev An upheld dispute's disqualification: final, the trainer marked, half the bond to the disputer.
    function _disqualifyForGood(
        BountyBoard.State storage s,
        BountyBoard.Bounty storage b,
        uint256 bountyId,
        uint256 submissionId,
        BountyBoard.Submission storage sub,
        bytes32 reportHash
    ) private returns (uint128 reward) {
        BountyBoard.Claim storage c = s.claims[bountyId][sub.trainer];
        unchecked {
            if (sub.verdict == BountyBoard.Verdict.Scored) c.scored -= 1;
            if (!sub.marked) c.marks += 1;
        }
        sub.marked = true;
        sub.final_ = true;
        sub.verdict = BountyBoard.Verdict.Disqualified;
        sub.reportHash = reportHash;
        if (c.bondState == BountyBoard.BondState.Posted) {
            reward = toUint128(uint256(c.bond) * DISPUTE_REWARD_BPS / BPS);
            c.bond -= reward;
        }
        emit BountyBoard.SubmissionDisqualified(bountyId, submissionId, reportHash, sub.copyOf);
        if (b.bestSubmissionId == submissionId) _rescanBest(s, b, bountyId);
    }

    /// @dev An upheld dispute's correction: the submission is scored `score` (reinstated if it was disqualified).
    function _correct(
        BountyBoard.State storage s,
        BountyBoard.Bounty storage b,
        uint256 bountyId,
        uint256 submissionId,
        BountyBoard.Submission storage sub,
        int128 score,
        bytes32 reportHash
    ) private {
        BountyBoard.Claim storage c = s.claims[bountyId][sub.trainer];
        unchecked {
            if (sub.verdict != BountyBoard.Verdict.Scored) c.scored += 1;
            if (sub.marked) c.marks -= 1;
        }
        sub.marked = false;
        sub.copyOf = 0;
        sub.verdict = BountyBoard.Verdict.Scored;
        _list(b, sub, submissionId);
        sub.score = score;
        sub.reportHash = reportHash;
        if (b.status == BountyBoard.Status.Funded) {
            // A new score gets its own challenge window.
            sub.verdictAt = uint40(block.timestamp);
            b.lastVerdictAt = uint64(block.timestamp);
        }
        emit BountyBoard.EvaluationPublished(
            bountyId, submissionId, score, reportHash, qualifies(b, score), false
        );
        _rescanBest(s, b, bountyId);
    }

    /// @dev Puts a scored submission on its bounty's list of scored submissions (once).
    function _list(BountyBoard.Bounty storage b, BountyBoard.Submission storage sub, uint256 submissionId)
        private
    {
        if (sub.listed) return;
        sub.listed = true;
        sub.prevScored = b.lastScoredId;
        // forge-lint: disable-next-line(unsafe-typecast)
        b.lastScoredId = uint64(submissionId); // submission ids come from a uint64 counter
    }

    /// @dev Re-computes the bounty's best qualifying submission over its scored submissions (at most MAX_REVEALS_PER_BOUNTY).
    function _rescanBest(BountyBoard.State storage s, BountyBoard.Bounty storage b, uint256 bountyId)
        private
    {
        uint64 bestId;
        int128 bestScore;
        bool higher = b.direction == BountyBoard.Direction.HigherIsBetter;
        for (uint64 id = b.lastScoredId; id != 0; id = s.submissions[id].prevScored) {
            BountyBoard.Submission storage sub = s.submissions[id];
            if (sub.verdict != BountyBoard.Verdict.Scored || !qualifies(b, sub.score)) continue;
            int128 score = sub.score;
            // Walking from the latest reveal back, a tie goes to the lower id (the earlier commit).
            bool better = bestId == 0 || (higher ? score > bestScore : score < bestScore)
                || (score == bestScore && id < bestId);
            if (better) {
                bestId = id;
                bestScore = score;
            }
        }
        if (bestId != b.bestSubmissionId || bestScore != b.bestScore) {
            b.bestSubmissionId = bestId;
            b.bestScore = bestScore;
            emit BountyBoard.BestSubmissionChanged(bountyId, bestId, bestScore);
        }
    }

    /// @dev A Verifying bounty whose winner fell with nothing else qualifying fails: refunds open.
    function _failIfNoWinner(BountyBoard.Bounty storage b, uint256 bountyId) private {
        // Not while another dispute is open: its ruling may still take a bond, which must not be withdrawable
        // before (bonds are returned only once the bounty ended).
        if (b.status == BountyBoard.Status.Verifying && b.bestSubmissionId == 0 && b.openDisputes == 0) {
            b.status = BountyBoard.Status.Failed;
            emit BountyBoard.BountyFinalized(bountyId, BountyBoard.Status.Failed, 0);
        }
    }

    function checkScore(BountyBoard.State storage s, BountyBoard.Bounty storage b, int128 score)
        internal
        view
    {
        BountyBoard.Metric storage m = s.metrics[b.metricId];
        if (score < m.min || score > m.max) {
            revert BountyBoard.BountyBoard_ScoreOutOfRange(score, m.min, m.max);
        }
    }

    /// @dev Transfers `amount` in and returns the measured balance change, adding it to the liabilities. The
    /// balance after must cover every liability: a token whose balance shrank takes no new money.
    function pull(BountyBoard.State storage s, address token, address from, uint256 amount)
        internal
        returns (uint256 received)
    {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 balance = IERC20(token).balanceOf(address(this));
        received = balance - before;
        BountyBoard.TokenState storage t = s.tokens[token];
        uint256 owed = t.liabilities + received;
        if (balance < owed) revert BountyBoard.BountyBoard_Insolvent(token, balance, owed);
        // forge-lint: disable-next-line(unsafe-typecast)
        t.liabilities = uint248(owed); // owed <= balance < 2^256, and token balances fit far below 2^248
    }

    /// @dev Pays `amount` out of what the board owes; the board's balance must cover all it owes first.
    function pay(BountyBoard.State storage s, address token, address to, uint256 amount) internal {
        BountyBoard.TokenState storage t = s.tokens[token];
        uint256 owed = t.liabilities;
        uint256 balance = IERC20(token).balanceOf(address(this));
        if (balance < owed) revert BountyBoard.BountyBoard_Insolvent(token, balance, owed);
        if (amount > owed) revert BountyBoard.BountyBoard_Insolvent(token, owed, amount);
        unchecked {
            // amount <= owed, checked above.
            t.liabilities = uint248(owed - amount);
        }
        IERC20(token).safeTransfer(to, amount);
    }

    function qualifies(BountyBoard.Bounty storage b, int128 score) internal view returns (bool) {
        return
            b.direction == BountyBoard.Direction.HigherIsBetter
                ? score >= b.targetScore
                : score <= b.targetScore;
    }

    /// @dev A Verifying bounty's payout unlocks a verification period after an eval-set reveal made in time, else at
    /// the reveal deadline.
    function unlockAt(BountyBoard.Bounty storage b) internal view returns (uint256) {
        uint256 revealDeadline = uint256(b.finalizedAt) + b.revealPeriod;
        uint256 revealedAt = b.evalSetRevealedAt;
        if (revealedAt != 0 && revealedAt < revealDeadline) return revealedAt + b.verificationPeriod;
        return revealDeadline;
    }

    function toUint128(uint256 value) internal pure returns (uint128) {
        if (value > type(uint128).max) revert BountyBoard.BountyBoard_AmountTooLarge(value);
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint128(value); // checked on the line above
    }

    function checkUri(string calldata uri) internal pure {
        if (bytes(uri).length == 0 || bytes(uri).length > MAX_URI_LENGTH) {
            revert BountyBoard.BountyBoard_BadUri(bytes(uri).length);
        }
    }

    /// @dev The body of {BountyBoard-publishEvaluation}.
    function publishEvaluation(
        BountyBoard.State storage s,
        uint256 submissionId,
        int128 score,
        bytes32 reportHash
    ) external {
        (BountyBoard.Submission storage sub, BountyBoard.Bounty storage b, uint256 bountyId) =
            _openVerdict(s, submissionId, reportHash);
        checkScore(s, b, score);
        BountyBoard.Claim storage c = s.claims[bountyId][sub.trainer];
        unchecked {
            // Each pending submission was counted once in both, and leaves them once.
            c.pending -= 1;
            b.pending -= 1;
            c.scored += 1;
        }
        sub.verdict = BountyBoard.Verdict.Scored;
        _list(b, sub, submissionId);
        sub.score = score;
        sub.reportHash = reportHash;
        bool meets = qualifies(b, score);
        bool best = meets && _beatsBest(b, submissionId, score);
        if (best) {
            b.bestScore = score;
            // forge-lint: disable-next-line(unsafe-typecast)
            b.bestSubmissionId = uint64(submissionId); // submission ids come from a uint64 counter
        }
        emit BountyBoard.EvaluationPublished(bountyId, submissionId, score, reportHash, meets, best);
    }

    /// @dev The body of {BountyBoard-disqualifySubmission}.
    function disqualifySubmission(
        BountyBoard.State storage s,
        uint256 submissionId,
        bytes32 reportHash,
        uint256 copyOf
    ) external {
        (BountyBoard.Submission storage sub, BountyBoard.Bounty storage b, uint256 bountyId) =
            _openVerdict(s, submissionId, reportHash);
        BountyBoard.Claim storage c = s.claims[bountyId][sub.trainer];
        if (copyOf != 0) {
            BountyBoard.Submission storage original = s.submissions[copyOf];
            if (copyOf >= submissionId || original.bountyId != bountyId || original.revealedAt == 0) {
                revert BountyBoard.BountyBoard_BadCopyOf(submissionId, copyOf);
            }
            sub.marked = true;
            // forge-lint: disable-next-line(unsafe-typecast)
            sub.copyOf = uint64(copyOf); // below submissionId, checked above
            unchecked {
                c.marks += 1;
            }
        }
        unchecked {
            c.pending -= 1;
            b.pending -= 1;
        }
        sub.verdict = BountyBoard.Verdict.Disqualified;
        sub.reportHash = reportHash;
        emit BountyBoard.SubmissionDisqualified(bountyId, submissionId, reportHash, copyOf);
    }

    /// @dev The body of {BountyBoard-finalize}.
    function finalize(BountyBoard.State storage s, uint256 bountyId)
        external
        returns (BountyBoard.Status status)
    {
        BountyBoard.Bounty storage b = existing(s, bountyId);
        status = b.status;
        if (status == BountyBoard.Status.Funding) {
            if (block.timestamp < b.fundingDeadline) {
                revert BountyBoard.BountyBoard_NotFinalizable(bountyId, status, b.fundingDeadline);
            }
            status = BountyBoard.Status.Failed;
        } else if (status == BountyBoard.Status.Funded) {
            if (b.openDisputes != 0) revert BountyBoard.BountyBoard_NotFinalizable(bountyId, status, 0);
            uint256 readyAt = finalizableAt(b);
            if (block.timestamp < readyAt) {
                revert BountyBoard.BountyBoard_NotFinalizable(bountyId, status, readyAt);
            }
            status = b.bestSubmissionId != 0 ? BountyBoard.Status.Verifying : BountyBoard.Status.Failed;
        } else {
            revert BountyBoard.BountyBoard_WrongStatus(bountyId, status);
        }
        b.status = status;
        b.finalizedAt = uint40(block.timestamp);
        emit BountyBoard.BountyFinalized(
            bountyId, status, status == BountyBoard.Status.Verifying ? b.bestSubmissionId : 0
        );
    }

    /// @dev The body of {BountyBoard-unlockPayout}.
    function unlockPayout(BountyBoard.State storage s, uint256 bountyId) external {
        BountyBoard.Bounty storage b = existing(s, bountyId);
        if (b.status != BountyBoard.Status.Verifying) {
            revert BountyBoard.BountyBoard_WrongStatus(bountyId, b.status);
        }
        if (b.openDisputes != 0) revert BountyBoard.BountyBoard_DisputesOpen(bountyId, b.openDisputes);
        uint256 unlocksAt = unlockAt(b);
        if (block.timestamp < unlocksAt) revert BountyBoard.BountyBoard_PayoutLocked(bountyId, unlocksAt);
        uint256 raised = b.raised;
        uint256 fee = raised * b.feeBps / BPS;
        uint256 payout = raised - fee;
        b.status = BountyBoard.Status.Fulfilled;
        b.payout = toUint128(payout);
        s.accruedFees[b.token] += fee;
        emit BountyBoard.PayoutUnlocked(bountyId, b.bestSubmissionId, payout, fee);
    }

    /// @dev The body of {BountyBoard-withdrawBond}.
    function withdrawBond(BountyBoard.State storage s, uint256 bountyId, address to) external {
        BountyBoard.Bounty storage b = existing(s, bountyId);
        BountyBoard.Claim storage c = s.claims[bountyId][msg.sender];
        if (
            !_ended(b.status) || c.bondState != BountyBoard.BondState.Posted || c.bond == 0 || _bondForfeit(c)
        ) {
            revert BountyBoard.BountyBoard_BondNotReturnable(bountyId, msg.sender, c.bondState);
        }
        uint128 amount = c.bond;
        c.bondState = BountyBoard.BondState.Returned;
        emit BountyBoard.BondReturned(bountyId, msg.sender, to, amount);
        pay(s, b.token, to, amount);
    }

    /// @dev The body of {BountyBoard-forfeitBond}.
    function forfeitBond(BountyBoard.State storage s, uint256 bountyId, address trainer) external {
        BountyBoard.Bounty storage b = existing(s, bountyId);
        BountyBoard.Claim storage c = s.claims[bountyId][trainer];
        if (
            !_ended(b.status) || c.bondState != BountyBoard.BondState.Posted || c.bond == 0
                || !_bondForfeit(c)
        ) {
            revert BountyBoard.BountyBoard_BondNotForfeitable(bountyId, trainer, c.bondState);
        }
        uint128 amount = c.bond;
        c.bondState = BountyBoard.BondState.Forfeited;
        emit BountyBoard.BondForfeited(bountyId, trainer, amount);
        share(s, b, bountyId, amount);
    }

    /// @dev The body of {BountyBoard-depositRevenue}.
    function depositRevenue(BountyBoard.State storage s, uint256 bountyId, uint256 amount)
        external
        returns (uint256 received)
    {
        BountyBoard.Bounty storage b = existing(s, bountyId);
        if (b.status != BountyBoard.Status.Fulfilled) {
            revert BountyBoard.BountyBoard_WrongStatus(bountyId, b.status);
        }
        if (amount == 0) revert BountyBoard.BountyBoard_ZeroAmount();
        received = pull(s, b.token, msg.sender, amount);
        if (received == 0) revert BountyBoard.BountyBoard_NothingReceived(bountyId);
        share(s, b, bountyId, received);
    }

    /// @dev Loads a revealed submission awaiting its verdict, inside its evaluation period, for an evaluator who is
    /// not the bounty's arbiter.
    function _openVerdict(BountyBoard.State storage s, uint256 submissionId, bytes32 reportHash)
        private
        returns (BountyBoard.Submission storage sub, BountyBoard.Bounty storage b, uint256 bountyId)
    {
        sub = s.submissions[submissionId];
        if (sub.trainer == address(0)) revert BountyBoard.BountyBoard_UnknownSubmission(submissionId);
        if (sub.revealedAt == 0) revert BountyBoard.BountyBoard_NotRevealed(submissionId);
        if (sub.verdict != BountyBoard.Verdict.Pending) {
            revert BountyBoard.BountyBoard_AlreadyEvaluated(submissionId, sub.verdict);
        }
        bountyId = sub.bountyId;
        b = s.bounties[bountyId];
        if (msg.sender == b.arbiter) {
            revert BountyBoard.BountyBoard_ArbiterCannotEvaluate(bountyId, msg.sender);
        }
        uint256 deadline = uint256(sub.revealedAt) + b.evaluationPeriod;
        if (block.timestamp >= deadline || b.status != BountyBoard.Status.Funded) {
            revert BountyBoard.BountyBoard_EvaluationClosed(submissionId, deadline);
        }
        if (reportHash == bytes32(0)) revert BountyBoard.BountyBoard_ZeroHash("reportHash");
        sub.verdictAt = uint40(block.timestamp);
        b.lastVerdictAt = uint64(block.timestamp);
    }

    /// @dev Whether `score` of `submissionId` beats the bounty's current best (ties: the earlier commit).
    function _beatsBest(BountyBoard.Bounty storage b, uint256 submissionId, int128 score)
        private
        view
        returns (bool)
    {
        uint256 bestId = b.bestSubmissionId;
        if (bestId == 0) return true;
        int128 bestScore = b.bestScore;
        if (score == bestScore) return submissionId < bestId;
        return b.direction == BountyBoard.Direction.HigherIsBetter ? score > bestScore : score < bestScore;
    }

    function _ended(BountyBoard.Status status) private pure returns (bool) {
        return status == BountyBoard.Status.Fulfilled || status == BountyBoard.Status.Failed;
    }

    /// @dev A bond is forfeit when its trainer was marked (a copy, an upheld dispute), or delivered nothing: no
    /// submission scored and none left unevaluated (pending at the end means the evaluator missed its period).
    function _bondForfeit(BountyBoard.Claim storage c) private view returns (bool) {
        return c.marks != 0 || (c.scored == 0 && c.pending == 0);
    }

    /// @dev Shares `amount` (already in the liabilities) among the bounty's shareholders; with no shares left (all
    /// refunded), it goes to the bounty's DAO.
    function share(
        BountyBoard.State storage s,
        BountyBoard.Bounty storage b,
        uint256 bountyId,
        uint256 amount
    ) private {
        uint256 supply = b.raised;
        if (supply == 0) {
            s.revenueOwed[b.dao][bountyId] += amount * REVENUE_PRECISION;
            emit BountyBoard.RevenueDeposited(bountyId, msg.sender, amount, s.revenuePerShare[bountyId]);
            return;
        }
        uint256 perShare = s.revenuePerShare[bountyId] + Math.mulDiv(amount, REVENUE_PRECISION, supply);
        s.revenuePerShare[bountyId] = perShare;
        b.distributed = true;
        emit BountyBoard.RevenueDeposited(bountyId, msg.sender, amount, perShare);
    }

    /// @dev Finalization waits for the latest verdict's challenge window, for every outstanding reveal and
    /// evaluation to come in or expire, and, without a qualifying best, for the delivery deadline.
    function finalizableAt(BountyBoard.Bounty storage b) internal view returns (uint256 readyAt) {
        uint256 lastVerdict = b.lastVerdictAt;
        if (lastVerdict != 0) readyAt = lastVerdict + b.challengeWindow;
        if (b.unrevealed != 0) readyAt = Math.max(readyAt, b.lastRevealDeadline);
        if (b.pending != 0) readyAt = Math.max(readyAt, b.lastEvaluationDeadline);
        if (b.bestSubmissionId == 0) readyAt = Math.max(readyAt, b.deliveryDeadline);
    }

    function existing(BountyBoard.State storage s, uint256 bountyId)
        internal
        view
        returns (BountyBoard.Bounty storage b)
    {
        b = s.bounties[bountyId];
        if (b.status == BountyBoard.Status.None) revert BountyBoard.BountyBoard_UnknownBounty(bountyId);
    }

    /// @dev The funding token's decimals, 18 if it does not answer sensibly.
    function _decimalsOf(address token) private view returns (uint8) {
        try IERC20Metadata(token).decimals() returns (uint8 d) {
            return d;
        } catch {
            return 18;
        }
    }
}
