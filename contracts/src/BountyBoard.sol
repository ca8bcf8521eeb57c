// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyLogic } from "./BountyLogic.sol";
import { AccessControl } from "@openzeppelin/contracts/access/AccessControl.sol";
import { IERC6909TokenSupply } from "@openzeppelin/contracts/interfaces/IERC6909.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import { IERC20Permit } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ERC6909 } from "@openzeppelin/contracts/token/ERC6909/ERC6909.sol";
import { ERC6909Metadata } from "@openzeppelin/contracts/token/ERC6909/extensions/ERC6909Metadata.sol";
import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { Strings } from "@openzeppelin/contracts/utils/Strings.sol";
import { IERC165 } from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title BountyBoard (protocol v2)
/// @notice One contract holding every Crowdtrain bounty. A DAO proposes a model to train with a funding goal,
/// deadlines, an evaluation spec frozen by hash and an arbiter; backers fund it in an allowlisted ERC-20 and receive
/// ERC-6909 shares (token id = bounty id) minted 1:1 with what the board received; trainers claim it, posting a bond,
/// then commit to checkpoints and reveal them (precedence follows commit order); evaluators publish scores; anyone
/// may dispute a verdict, and the bounty's arbiter resolves disputes. A finalized bounty waits for the DAO to reveal
/// its eval set and for a verification period before the winner is paid. A failed bounty refunds its backers.
/// @dev State machine and rules: docs/decisions/016-protocol-v2.md. Every payment is pulled by its beneficiary, to a
/// recipient of their choice. Amounts are what the board measured it received, so fee-on-transfer tokens stay
/// exact. Per token, `liabilities` is everything the board owes; every inflow and outflow checks the board's balance
/// against it and reverts with {BountyBoard_Insolvent} on a shortfall.
contract BountyBoard is
    ERC6909Metadata,
    IERC6909TokenSupply,
    AccessControl,
    Pausable,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////////////////
                                       TYPES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Lifecycle of a bounty. Funding -> Funded -> Verifying -> Fulfilled; Funding -> Cancelled | Failed;
    /// Funded -> Failed; Verifying -> Failed (an upheld dispute left no qualifying submission). `Verifying` is
    /// appended so v1 numbers stay.
    enum Status {
        None,
        Funding,
        Funded,
        Fulfilled,
        Failed,
        Cancelled,
        Verifying
    }

    /// @notice Whether a higher or a lower score is better (accuracy vs perplexity).
    enum Direction {
        HigherIsBetter,
        LowerIsBetter
    }

    /// @notice The verdict on a submission. A revealed submission is Pending until scored or disqualified; one
    /// still Pending past its evaluation period counts as unevaluated.
    enum Verdict {
        Pending,
        Scored,
        Disqualified
    }

    /// @notice What happened to a trainer's bond.
    enum BondState {
        None,
        Posted,
        Returned,
        Forfeited
    }

    /// @notice How a dispute ended.
    enum Outcome {
        None,
        Open,
        Rejected,
        Upheld,
        Corrected,
        Expired
    }

    /// @notice The arguments of {createBounty}.
    /// @param token The allowlisted ERC-20 the bounty is funded and paid in.
    /// @param goal The funding goal, in token base units.
    /// @param fundingDeadline Funding closes at this timestamp (at most `maxFundingPeriod` from now).
    /// @param deliveryDeadline Commits close at this timestamp; after `fundingDeadline`, at most `maxDeliveryPeriod`
    /// after it.
    /// @param specHash Hash of the canonical bounty spec JSON.
    /// @param evalSetCommitment sha256(salt ‖ sha256 of the private eval set).
    /// @param metricId A registered metric (e.g. "perplexity", as bytes32).
    /// @param targetScore A submission qualifies when its score meets this target; inside the metric's range and
    /// strictly better than its worst value.
    /// @param direction Whether higher or lower scores are better; must be the metric's.
    /// @param bond What a trainer posts to claim the bounty; may be zero.
    /// @param challengeWindow How long a verdict may be disputed, and a best must stand before early finalization.
    /// @param arbiter Resolves disputes: the DAO's Timelock or Safe, or an arbitration multisig; never an evaluator.
    /// @param disputeBond What a disputer posts; may be zero.
    /// @param revealPeriod How long after a commit its reveal may come, and after finalization the eval set's.
    /// @param evaluationPeriod How long after a reveal the evaluator may publish its verdict.
    /// @param verificationPeriod How long after the eval set's reveal the payout stays locked for disputes.
    /// @param allowOverfunding Whether funding continues past the goal until the funding deadline.
    struct CreateBountyParams {
        address token;
        uint128 goal;
        uint64 fundingDeadline;
        uint64 deliveryDeadline;
        bytes32 specHash;
        bytes32 evalSetCommitment;
        bytes32 metricId;
        int128 targetScore;
        Direction direction;
        uint128 bond;
        uint32 challengeWindow;
        address arbiter;
        uint128 disputeBond;
        uint32 revealPeriod;
        uint32 evaluationPeriod;
        uint32 verificationPeriod;
        bool allowOverfunding;
    }

    /// @notice A bounty, packed into twelve storage slots.
    struct Bounty {
        // slot 0: read by fund and refund.
        address token;
        uint64 fundingDeadline;
        Status status;
        bool allowOverfunding;
        // Set once forfeited bonds were shared out: share moves must settle them.
        bool distributed;
        uint8 decimals;
        // slot 1: the fund path's other slot. `raised` is also the share supply: refunds lower it.
        uint128 goal;
        uint128 raised;
        // slot 2
        address dao;
        uint64 deliveryDeadline;
        uint32 challengeWindow;
        // slot 3
        address arbiter;
        uint32 revealPeriod;
        uint32 evaluationPeriod;
        uint32 verificationPeriod;
        // slot 4
        int128 targetScore;
        uint128 bond;
        // slot 5
        uint128 disputeBond;
        Direction direction;
        uint16 feeBps;
        uint40 finalizedAt;
        uint40 evalSetRevealedAt;
        // slot 6: the best qualifying submission so far (0: none) and the time of the latest verdict.
        int128 bestScore;
        uint64 bestSubmissionId;
        uint64 lastVerdictAt;
        // slot 7: the one slot commits, reveals and verdicts update. The scored submissions form a list from
        // `lastScoredId` back through each one's `prevScored` (at most MAX_REVEALS_PER_BOUNTY long).
        uint16 reveals;
        uint16 unrevealed;
        uint16 pending;
        uint16 openDisputes;
        uint40 lastRevealDeadline;
        uint40 lastEvaluationDeadline;
        uint64 lastScoredId;
        // slot 8
        uint128 payout;
        uint128 payoutWithdrawn;
        // slots 9-11
        bytes32 specHash;
        bytes32 evalSetCommitment;
        bytes32 metricId;
    }

    /// @notice A trainer's claim on a bounty, one storage slot.
    struct Claim {
        uint128 bond;
        BondState bondState;
        uint8 commits;
        uint8 pending;
        uint8 scored;
        // Submissions that were copies or disqualified by an upheld dispute: the bond is forfeited.
        uint8 marks;
    }

    /// @notice A submission: created by a commit, filled in by its reveal. Ids follow commit order.
    struct Submission {
        // slot 0: written by the commit, updated by the reveal. The commit time is kept beside the id in the
        // commitment's mapping entry; the checkpoint hash in `submissionOf` and the CheckpointRevealed event.
        address trainer;
        uint32 bountyId;
        Verdict verdict;
        // A copy, or disqualified by an upheld dispute: counts in its trainer's marks.
        bool marked;
        // Disqualified for good (a duplicate of an earlier commit, or by the arbiter): no dispute can reinstate it.
        bool final_;
        uint40 revealedAt;
        // slot 1: written by the verdict.
        int128 score;
        uint40 verdictAt;
        uint64 prevScored;
        bool listed;
        // slot 2: disputes and copies.
        uint64 openDispute;
        uint64 copyOf;
        // slot 3
        bytes32 reportHash;
    }

    /// @notice A dispute of a submission's verdict.
    struct Dispute {
        address disputer;
        uint64 submissionId;
        Outcome outcome;
        bool withdrawn;
        uint128 bond;
        uint128 reward;
        uint40 openedAt;
        uint40 deadline;
    }

    /// @notice Board-wide bounds on bounty parameters, set by the admin within hard-coded bounds.
    struct Limits {
        uint32 minChallengeWindow;
        uint32 minRevealPeriod;
        uint32 minEvaluationPeriod;
        uint32 minVerificationPeriod;
        uint32 maxFundingPeriod;
        uint32 maxDeliveryPeriod;
        uint32 arbitrationPeriod;
    }

    /// @notice A registered metric's valid score range (scaled as the platform scales scores) and direction.
    struct Metric {
        int128 min;
        int128 max;
        Direction direction;
        bool registered;
    }

    /// @dev Per token: everything the board owes in it, and whether it may fund new bounties. One slot.
    struct TokenState {
        uint248 liabilities;
        bool allowed;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice May propose bounties.
    bytes32 public constant DAO_ROLE = keccak256("DAO_ROLE");
    /// @notice May publish evaluations and disqualify submissions.
    bytes32 public constant EVALUATOR_ROLE = keccak256("EVALUATOR_ROLE");
    /// @notice May pause new bounties, funding, claims and commits.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice The platform fee can never exceed 10%.
    uint16 public constant MAX_FEE_BPS = 1000;
    /// @notice How many checkpoints one trainer may commit to one bounty.
    uint8 public constant MAX_SUBMISSIONS_PER_TRAINER = 5;
    /// @notice How many checkpoints one bounty accepts; bounds the re-scan for a new best.
    uint16 public constant MAX_REVEALS_PER_BOUNTY = 256;
    /// @notice The longest checkpoint or eval-set URI accepted, in bytes.
    uint256 public constant MAX_URI_LENGTH = BountyLogic.MAX_URI_LENGTH;
    /// @notice Share of a trainer's bond an upheld disqualifying dispute pays its disputer.
    uint16 public constant DISPUTE_REWARD_BPS = BountyLogic.DISPUTE_REWARD_BPS;
    /// @notice The report hash of a submission disqualified on-chain for revealing an earlier commit's checkpoint.
    bytes32 public constant DUPLICATE_REPORT = BountyLogic.DUPLICATE_REPORT;
    /// @notice Hard bounds of every minimum period and of the arbitration period.
    uint32 public constant PERIOD_FLOOR = BountyLogic.PERIOD_FLOOR;
    uint32 public constant PERIOD_CEILING = BountyLogic.PERIOD_CEILING;
    /// @notice Hard bound of the maximum funding and delivery periods.
    uint32 public constant MAX_HORIZON = BountyLogic.MAX_HORIZON;
    /// @dev Fixed-point scale of revenue per share. Holders' entitlements are kept in this scale, so only the final
    /// claim rounds.
    uint256 private constant BPS = 10_000;

    /*//////////////////////////////////////////////////////////////////////////
                                      STORAGE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The state the board shares with {BountyLogic} (which receives it by reference).
    struct State {
        mapping(address token => TokenState) tokens;
        mapping(address token => uint256) accruedFees;
        mapping(bytes32 metricId => Metric) metrics;
        Limits limits;
        uint64 disputeCount;
        mapping(uint256 bountyId => Bounty) bounties;
        mapping(uint256 bountyId => mapping(address trainer => Claim)) claims;
        mapping(uint256 submissionId => Submission) submissions;
        mapping(uint256 bountyId => mapping(bytes32 commitment => uint256 submissionId)) byCommitment;
        mapping(uint256 bountyId => mapping(bytes32 checkpointHash => uint256 submissionId)) byHash;
        mapping(uint256 disputeId => Dispute) disputes;
        mapping(uint256 bountyId => uint256) revenuePerShare;
        // Both in BountyLogic.REVENUE_PRECISION units: the debt is balance x per-share at the last settlement.
        mapping(address account => mapping(uint256 bountyId => uint256)) revenueDebt;
        mapping(address account => mapping(uint256 bountyId => uint256)) revenueOwed;
    }

    State private _s;
    address private _feeRecipient;
    uint16 private _feeBps;
    uint64 private _bountyCount;
    uint64 private _submissionCount;

    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A token was added to or removed from the allowlist.
    event TokenAllowlistUpdated(address indexed token, bool allowed);
    /// @notice The platform fee for new bounties changed.
    event FeeUpdated(uint16 previousBps, uint16 newBps);
    /// @notice The account receiving platform fees changed.
    event FeeRecipientUpdated(address indexed previousRecipient, address indexed newRecipient);
    /// @notice The board's parameter bounds changed.
    event LimitsUpdated(Limits limits);
    /// @notice A metric was registered or its range changed (existing bounties keep their target).
    event MetricSet(bytes32 indexed metricId, Direction direction, int128 min, int128 max);
    /// @notice A DAO proposed a bounty. Carries every parameter and the fee it locked in.
    event BountyCreated(
        uint256 indexed bountyId,
        address indexed dao,
        address indexed token,
        CreateBountyParams params,
        uint16 feeBps
    );
    /// @notice The DAO cancelled a bounty that had not reached its goal; refunds are open.
    event BountyCancelled(uint256 indexed bountyId, uint128 raised);
    /// @notice A bounty reached its funding goal. (Each contribution is the share mint's `Transfer` event.)
    event BountyFunded(uint256 indexed bountyId, uint256 raised);
    /// @notice A trainer claimed a bounty, posting `bond`.
    event BountyClaimed(uint256 indexed bountyId, address indexed trainer, uint128 bond);
    /// @notice A trainer committed to a checkpoint; `submissionId` fixes its precedence.
    event CheckpointCommitted(
        uint256 indexed bountyId, uint256 indexed submissionId, address indexed trainer, bytes32 commitment
    );
    /// @notice A trainer revealed a committed checkpoint.
    event CheckpointRevealed(
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        address indexed trainer,
        bytes32 checkpointHash,
        string uri,
        uint64 revealedAt
    );
    /// @notice A submission was scored. `best` is true when it became the bounty's best qualifying one.
    event EvaluationPublished(
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        int128 score,
        bytes32 reportHash,
        bool qualifies,
        bool best
    );
    /// @notice A submission was disqualified; `copyOf` is the earlier submission it copies (0: another reason).
    event SubmissionDisqualified(
        uint256 indexed bountyId, uint256 indexed submissionId, bytes32 reportHash, uint256 copyOf
    );
    /// @notice The bounty's best qualifying submission changed outside a new score (a dispute; 0: none left).
    event BestSubmissionChanged(uint256 indexed bountyId, uint256 indexed submissionId, int128 score);
    /// @notice Someone disputed a submission's verdict, posting `bond`; the arbiter has until `deadline`.
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        address disputer,
        bytes32 reasonHash,
        uint128 bond,
        uint64 deadline
    );
    /// @notice A dispute ended: rejected, upheld (disqualified), corrected (new score), or expired (dismissed).
    event DisputeResolved(
        uint256 indexed disputeId,
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        Outcome outcome,
        int128 score,
        bytes32 reportHash,
        uint128 reward
    );
    /// @notice A dispute's money was withdrawn by the party it belongs to.
    event DisputeBondWithdrawn(
        uint256 indexed disputeId, address indexed account, address to, uint256 amount
    );
    /// @notice A bounty was finalized: Verifying (with its winner), or Failed.
    event BountyFinalized(uint256 indexed bountyId, Status status, uint256 winningSubmissionId);
    /// @notice The eval set was revealed and checked against the commitment; the payout unlocks at `unlockAt`.
    event EvalSetRevealed(
        uint256 indexed bountyId, bytes32 evalSetSha256, bytes32 salt, string uri, uint64 unlockAt
    );
    /// @notice The verification period passed: the bounty is Fulfilled, its payout withdrawable, its fee accrued.
    event PayoutUnlocked(uint256 indexed bountyId, uint256 winningSubmissionId, uint256 payout, uint256 fee);
    /// @notice A trainer's bond was returned.
    event BondReturned(uint256 indexed bountyId, address indexed trainer, address to, uint128 amount);
    /// @notice A trainer's bond was forfeited to the bounty's backers (pro rata, claimed with {claimRevenue}).
    event BondForfeited(uint256 indexed bountyId, address indexed trainer, uint128 amount);
    /// @notice The winner withdrew the payout.
    event PayoutWithdrawn(uint256 indexed bountyId, address indexed winner, address to, uint256 amount);
    /// @notice A shareholder of a failed or cancelled bounty was refunded, burning their shares.
    event Refunded(uint256 indexed bountyId, address indexed backer, address to, uint256 amount);
    /// @notice Revenue (or forfeited bonds) was shared out among a bounty's shareholders.
    event RevenueDeposited(
        uint256 indexed bountyId, address indexed from, uint256 amount, uint256 revenuePerShare
    );
    /// @notice A shareholder claimed revenue.
    event RevenueClaimed(uint256 indexed bountyId, address indexed account, address to, uint256 amount);
    /// @notice Accrued platform fees were sent to the fee recipient.
    event FeesWithdrawn(address indexed token, address indexed recipient, uint256 amount);
    /// @notice The admin swept tokens the board held above its liabilities.
    event Swept(address indexed token, address indexed to, uint256 amount);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The fee exceeds {MAX_FEE_BPS}.
    error BountyBoard_FeeTooHigh(uint16 bps, uint16 maxBps);
    /// @notice The board's fee rose above the `maxFeeBps` the DAO accepted.
    error BountyBoard_FeeAboveMax(uint16 feeBps, uint16 maxFeeBps);
    /// @notice The zero address was given where an account is required.
    error BountyBoard_ZeroAddress();
    /// @notice The token is not on the allowlist (or was delisted).
    error BountyBoard_TokenNotAllowed(address token);
    /// @notice The funding goal is zero.
    error BountyBoard_ZeroGoal();
    /// @notice The funding deadline is not in the future.
    error BountyBoard_FundingDeadlineNotInFuture(uint64 fundingDeadline, uint256 nowTimestamp);
    /// @notice The delivery deadline is not after the funding deadline.
    error BountyBoard_DeliveryBeforeFunding(uint64 fundingDeadline, uint64 deliveryDeadline);
    /// @notice A period (`field`) lies outside [min, max].
    error BountyBoard_PeriodOutOfBounds(string field, uint256 value, uint256 min, uint256 max);
    /// @notice A required hash (spec, eval-set commitment, metric id, checkpoint, report...) is zero.
    error BountyBoard_ZeroHash(string field);
    /// @notice The metric is not registered.
    error BountyBoard_UnknownMetric(bytes32 metricId);
    /// @notice The direction is not the metric's.
    error BountyBoard_WrongDirection(bytes32 metricId, Direction direction);
    /// @notice The target lies outside the metric's range, or every score would meet it.
    error BountyBoard_TargetOutOfRange(int128 target, int128 min, int128 max);
    /// @notice A score lies outside the metric's range.
    error BountyBoard_ScoreOutOfRange(int128 score, int128 min, int128 max);
    /// @notice A metric range is empty.
    error BountyBoard_BadMetricRange(int128 min, int128 max);
    /// @notice The arbiter holds EVALUATOR_ROLE: whoever scores may not judge disputes of scores.
    error BountyBoard_ArbiterIsEvaluator(address arbiter);
    /// @notice No bounty has this id.
    error BountyBoard_UnknownBounty(uint256 bountyId);
    /// @notice Only the bounty's DAO may do this.
    error BountyBoard_NotBountyDao(uint256 bountyId, address caller, address dao);
    /// @notice Only the bounty's arbiter may do this.
    error BountyBoard_NotArbiter(uint256 bountyId, address caller, address arbiter);
    /// @notice The bounty's status does not allow this.
    error BountyBoard_WrongStatus(uint256 bountyId, Status status);
    /// @notice A zero amount was given.
    error BountyBoard_ZeroAmount();
    /// @notice Funding closed at the funding deadline.
    error BountyBoard_FundingClosed(uint256 bountyId, uint64 fundingDeadline);
    /// @notice The bounty reached its goal and does not allow overfunding.
    error BountyBoard_GoalReached(uint256 bountyId, uint128 goal);
    /// @notice The board received nothing from the transfer (e.g. a 100% transfer fee).
    error BountyBoard_NothingReceived(uint256 bountyId);
    /// @notice The amount does not fit the bounty's 128-bit accounting.
    error BountyBoard_AmountTooLarge(uint256 amount);
    /// @notice The trainer already claimed this bounty.
    error BountyBoard_AlreadyClaimed(uint256 bountyId, address trainer);
    /// @notice The caller has not claimed this bounty.
    error BountyBoard_NotClaimant(uint256 bountyId, address caller);
    /// @notice The delivery deadline has passed.
    error BountyBoard_DeliveryClosed(uint256 bountyId, uint64 deliveryDeadline);
    /// @notice The trainer reached {MAX_SUBMISSIONS_PER_TRAINER}.
    error BountyBoard_TooManySubmissions(uint256 bountyId, address trainer, uint8 max);
    /// @notice The bounty reached {MAX_REVEALS_PER_BOUNTY}.
    error BountyBoard_TooManyReveals(uint256 bountyId, uint16 max);
    /// @notice The trainer already made this commitment to this bounty.
    error BountyBoard_DuplicateCommitment(uint256 bountyId, bytes32 commitment, uint256 submissionId);
    /// @notice No commit of the caller matches keccak256(abi.encode(checkpointHash, caller, salt)).
    error BountyBoard_UnknownCommitment(uint256 bountyId, bytes32 commitment);
    /// @notice The submission was already revealed.
    error BountyBoard_AlreadyRevealed(uint256 submissionId);
    /// @notice A reveal must come in a later block than its commit.
    error BountyBoard_RevealTooEarly(uint256 submissionId, uint256 commitBlock);
    /// @notice The reveal period of this commit is over.
    error BountyBoard_RevealClosed(uint256 submissionId, uint256 deadline);
    /// @notice The URI is empty or longer than {MAX_URI_LENGTH}.
    error BountyBoard_BadUri(uint256 length);
    /// @notice No submission has this id.
    error BountyBoard_UnknownSubmission(uint256 submissionId);
    /// @notice The submission was committed but not revealed.
    error BountyBoard_NotRevealed(uint256 submissionId);
    /// @notice The submission already has a verdict.
    error BountyBoard_AlreadyEvaluated(uint256 submissionId, Verdict verdict);
    /// @notice The evaluation period of this submission is over: it counts as unevaluated.
    error BountyBoard_EvaluationClosed(uint256 submissionId, uint256 deadline);
    /// @notice `copyOf` is not an earlier revealed submission of the same bounty.
    error BountyBoard_BadCopyOf(uint256 submissionId, uint256 copyOf);
    /// @notice The bounty's arbiter may not publish verdicts on it.
    error BountyBoard_ArbiterCannotEvaluate(uint256 bountyId, address arbiter);
    /// @notice The verdict cannot be disputed now (no verdict, or outside its challenge window / verification).
    error BountyBoard_NotDisputable(uint256 submissionId);
    /// @notice The submission already has an open dispute.
    error BountyBoard_DisputeAlreadyOpen(uint256 submissionId, uint256 disputeId);
    /// @notice No dispute has this id.
    error BountyBoard_UnknownDispute(uint256 disputeId);
    /// @notice The dispute is not open.
    error BountyBoard_DisputeNotOpen(uint256 disputeId, Outcome outcome);
    /// @notice The arbiter's deadline passed: the dispute can only expire.
    error BountyBoard_DisputeDeadlinePassed(uint256 disputeId, uint256 deadline);
    /// @notice The arbiter's deadline has not passed yet.
    error BountyBoard_DisputeNotExpired(uint256 disputeId, uint256 deadline);
    /// @notice The submission was disqualified for good; no dispute can reinstate it.
    error BountyBoard_SubmissionFinal(uint256 submissionId);
    /// @notice Only `beneficiary` may withdraw this dispute's money.
    error BountyBoard_NotDisputeBeneficiary(uint256 disputeId, address caller, address beneficiary);
    /// @notice Open disputes block this.
    error BountyBoard_DisputesOpen(uint256 bountyId, uint16 open);
    /// @notice sha256(salt ‖ evalSetSha256) is not the bounty's commitment.
    error BountyBoard_EvalSetMismatch(uint256 bountyId, bytes32 commitment);
    /// @notice The eval set was already revealed.
    error BountyBoard_EvalSetAlreadyRevealed(uint256 bountyId);
    /// @notice The bounty cannot be finalized yet; `readyAt` is the earliest time it could be (0: a dispute is open).
    error BountyBoard_NotFinalizable(uint256 bountyId, Status status, uint256 readyAt);
    /// @notice The payout is locked until `unlockAt`.
    error BountyBoard_PayoutLocked(uint256 bountyId, uint256 unlockAt);
    /// @notice Only the winning trainer may withdraw the payout.
    error BountyBoard_NotWinner(uint256 bountyId, address caller, address winner);
    /// @notice There is nothing to withdraw.
    error BountyBoard_NothingToWithdraw(uint256 bountyId, address account);
    /// @notice The bond is not returnable: not posted, already settled, the bounty not ended, or it is forfeit.
    error BountyBoard_BondNotReturnable(uint256 bountyId, address trainer, BondState state);
    /// @notice The bond cannot be forfeited: not posted, settled, the bounty not ended, or the trainer delivered.
    error BountyBoard_BondNotForfeitable(uint256 bountyId, address trainer, BondState state);
    /// @notice No platform fees are accrued in `token`.
    error BountyBoard_NoFees(address token);
    /// @notice The board holds nothing above its liabilities in `token`.
    error BountyBoard_NoSurplus(address token);
    /// @notice The board's balance of `token` is below what it owes: its balance shrank. Nothing moves until it is
    /// topped up.
    error BountyBoard_Insolvent(address token, uint256 balance, uint256 liabilities);

    /*//////////////////////////////////////////////////////////////////////////
                                     MODIFIERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev Withdrawals name a recipient; the zero address would burn the money.
    modifier validRecipient(address to) {
        if (to == address(0)) revert BountyBoard_ZeroAddress();
        _;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param admin Holds DEFAULT_ADMIN_ROLE and PAUSER_ROLE: an EOA, a Safe or a TimelockController.
    /// @param feeRecipient_ Receives platform fees.
    /// @param feeBps_ The platform fee for new bounties, at most {MAX_FEE_BPS}.
    constructor(address admin, address feeRecipient_, uint16 feeBps_) {
        if (admin == address(0) || feeRecipient_ == address(0)) revert BountyBoard_ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert BountyBoard_FeeTooHigh(feeBps_, MAX_FEE_BPS);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _feeRecipient = feeRecipient_;
        _feeBps = feeBps_;
        _setLimits(
            Limits({
                minChallengeWindow: 1 days,
                minRevealPeriod: 1 days,
                minEvaluationPeriod: 1 days,
                minVerificationPeriod: 2 days,
                maxFundingPeriod: 180 days,
                maxDeliveryPeriod: 365 days,
                arbitrationPeriod: 7 days
            })
        );
        emit FeeRecipientUpdated(address(0), feeRecipient_);
        emit FeeUpdated(0, feeBps_);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                   ADMINISTRATION
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Adds `token` to, or removes it from, the allowlist. A delisted token funds nothing more; bounties in
    /// it keep paying out.
    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0)) revert BountyBoard_ZeroAddress();
        _s.tokens[token].allowed = allowed;
        emit TokenAllowlistUpdated(token, allowed);
    }

    /// @notice Sets the platform fee for bounties created from now on (existing ones keep theirs).
    function setFee(uint16 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_FEE_BPS) revert BountyBoard_FeeTooHigh(bps, MAX_FEE_BPS);
        uint16 previous = _feeBps;
        _feeBps = bps;
        emit FeeUpdated(previous, bps);
    }

    /// @notice Sets the account that receives platform fees, including fees already accrued.
    function setFeeRecipient(address recipient) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (recipient == address(0)) revert BountyBoard_ZeroAddress();
        address previous = _feeRecipient;
        _feeRecipient = recipient;
        emit FeeRecipientUpdated(previous, recipient);
    }

    /// @notice Sets the board's parameter bounds for bounties created from now on. Every minimum and the
    /// arbitration period lie in [{PERIOD_FLOOR}, {PERIOD_CEILING}]; the maximum funding and delivery periods in
    /// [{PERIOD_FLOOR}, {MAX_HORIZON}].
    function setLimits(Limits calldata limits_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setLimits(limits_);
    }

    /// @notice Registers a metric, or changes its range, for bounties created from now on.
    /// @param metricId The metric name as bytes32.
    /// @param direction Whether higher or lower scores are better.
    /// @param min The lowest valid score (scaled).
    /// @param max The highest valid score (scaled); type(int128).max for unbounded.
    function setMetric(bytes32 metricId, Direction direction, int128 min, int128 max)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (metricId == bytes32(0)) revert BountyBoard_ZeroHash("metricId");
        if (min >= max) revert BountyBoard_BadMetricRange(min, max);
        _s.metrics[metricId] = Metric({ min: min, max: max, direction: direction, registered: true });
        emit MetricSet(metricId, direction, min, max);
    }

    /// @notice Stops new bounties, funding, claims and commits. Reveals, verdicts, disputes and every withdrawal
    /// go on.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lifts {pause}.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice Sends `to` what the board holds in `token` above its liabilities (tokens sent to it by mistake).
    /// @return amount The surplus sent.
    function sweep(address token, address to)
        external
        nonReentrant
        onlyRole(DEFAULT_ADMIN_ROLE)
        validRecipient(to)
        returns (uint256 amount)
    {
        uint256 balance = IERC20(token).balanceOf(address(this));
        uint256 owed = _s.tokens[token].liabilities;
        if (balance <= owed) revert BountyBoard_NoSurplus(token);
        amount = balance - owed;
        emit Swept(token, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                        DAO
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Proposes a bounty. The caller (a DAO_ROLE holder) becomes the bounty's DAO.
    /// @param p The bounty's parameters; see {CreateBountyParams}.
    /// @param maxFeeBps The highest platform fee the DAO accepts; the call reverts if the fee rose above it.
    /// @return bountyId The new bounty's id, also its ERC-6909 share id. Ids start at 1.
    function createBounty(CreateBountyParams calldata p, uint16 maxFeeBps)
        external
        nonReentrant
        whenNotPaused
        onlyRole(DAO_ROLE)
        returns (uint256 bountyId)
    {
        if (hasRole(EVALUATOR_ROLE, p.arbiter)) {
            revert BountyBoard_ArbiterIsEvaluator(p.arbiter);
        }
        // Ids fit 32 bits (a submission keeps its bounty's id in 32): SafeCast reverts past 4 billion bounties.
        bountyId = SafeCast.toUint32(uint256(_bountyCount) + 1);
        _bountyCount = uint64(bountyId);
        BountyLogic.createBounty(_s, p, bountyId, _feeBps, maxFeeBps);
    }

    /// @notice Cancels a bounty that has not reached its goal. Refunds open at once.
    /// @param bountyId The bounty; only its DAO may cancel it.
    function cancelBounty(uint256 bountyId) external nonReentrant {
        Bounty storage b = BountyLogic.existing(_s, bountyId);
        if (msg.sender != b.dao) revert BountyBoard_NotBountyDao(bountyId, msg.sender, b.dao);
        if (b.status != Status.Funding) revert BountyBoard_WrongStatus(bountyId, b.status);
        b.status = Status.Cancelled;
        emit BountyCancelled(bountyId, b.raised);
    }

    /// @notice Reveals a finalized bounty's eval set, checked against its commitment. Anyone holding the salt may
    /// call it (normally the DAO). Revealed by `finalizedAt + revealPeriod`, it starts the verification period:
    /// the payout unlocks `verificationPeriod` later, and until then anyone may re-check the scores and dispute.
    /// @param bountyId The bounty: Verifying, Fulfilled or Failed after finalization.
    /// @param evalSetSha256 The sha256 of the eval-set file.
    /// @param salt The commitment's salt.
    /// @param uri Where the eval set can be downloaded; 1 to {MAX_URI_LENGTH} bytes.
    function revealEvalSet(uint256 bountyId, bytes32 evalSetSha256, bytes32 salt, string calldata uri)
        external
        nonReentrant
    {
        BountyLogic.existing(_s, bountyId);
        BountyLogic.revealEvalSet(_s, bountyId, evalSetSha256, salt, uri);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      BACKERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Funds a bounty with `amount` of its token (approve the board first). Mints shares equal to what the
    /// board received. Without overfunding, an amount above what the goal still needs is capped to it.
    /// @param bountyId The bounty: Funding (or Funded with overfunding allowed), before its funding deadline.
    /// @param amount The amount to transfer, in token base units; not zero.
    /// @return credited The amount received and minted as shares.
    function fund(uint256 bountyId, uint256 amount)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 credited)
    {
        return _fund(bountyId, amount);
    }

    /// @notice Funds a bounty in one signature with an EIP-2612 permit. If the permit call fails (for instance
    /// because someone front-ran it), funding proceeds with the existing allowance.
    function fundWithPermit(uint256 bountyId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 credited)
    {
        address token = BountyLogic.existing(_s, bountyId).token;
        // A failed permit is not fatal; the transfer below needs the allowance either way.
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) { } catch { }
        return _fund(bountyId, amount);
    }

    /// @notice Refunds the caller's whole share balance of a failed or cancelled bounty to `to`, burning the shares.
    /// @return amount The amount refunded.
    function refund(uint256 bountyId, address to)
        external
        nonReentrant
        validRecipient(to)
        returns (uint256 amount)
    {
        Bounty storage b = _s.bounties[bountyId];
        Status status = b.status;
        if (status != Status.Failed && status != Status.Cancelled) {
            revert BountyBoard_WrongStatus(bountyId, status);
        }
        amount = balanceOf(msg.sender, bountyId);
        if (amount == 0) revert BountyBoard_NothingToWithdraw(bountyId, msg.sender);
        _burn(msg.sender, bountyId, amount);
        unchecked {
            // The share supply is `raised`, and the burned balance is part of it.
            b.raised -= uint128(amount);
        }
        emit Refunded(bountyId, msg.sender, to, amount);
        BountyLogic.pay(_s, b.token, to, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      TRAINERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Claims a funded bounty, posting its bond (approve the board first when the bond is not zero). The
    /// bond stays posted until the bounty ends.
    /// @param bountyId The bounty, Funded and before its delivery deadline. One claim per trainer.
    function claim(uint256 bountyId) external nonReentrant whenNotPaused {
        Bounty storage b = BountyLogic.existing(_s, bountyId);
        Claim storage c = _s.claims[bountyId][msg.sender];
        if (b.status != Status.Funded) revert BountyBoard_WrongStatus(bountyId, b.status);
        if (block.timestamp >= b.deliveryDeadline) {
            revert BountyBoard_DeliveryClosed(bountyId, b.deliveryDeadline);
        }
        if (c.bondState != BondState.None) revert BountyBoard_AlreadyClaimed(bountyId, msg.sender);
        uint128 bond = b.bond;
        if (bond != 0) {
            // Measured, so a fee-on-transfer token credits what really arrived.
            bond = BountyLogic.toUint128(BountyLogic.pull(_s, b.token, msg.sender, bond));
        }
        c.bond = bond;
        c.bondState = BondState.Posted;
        emit BountyClaimed(bountyId, msg.sender, bond);
    }

    /// @notice Commits to a checkpoint without revealing it. The commit's id (the submission id) fixes its
    /// precedence for ties and copies.
    /// @param bountyId A bounty the caller claimed, Funded and before its delivery deadline.
    /// @param commitment keccak256(abi.encode(checkpointHash, msg.sender, salt)) with a secret random salt.
    /// @return submissionId The submission's id, unique across bounties. Ids start at 1.
    function commitCheckpoint(uint256 bountyId, bytes32 commitment)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 submissionId)
    {
        Bounty storage b = BountyLogic.existing(_s, bountyId);
        Claim storage c = _s.claims[bountyId][msg.sender];
        if (b.status != Status.Funded) revert BountyBoard_WrongStatus(bountyId, b.status);
        if (block.timestamp >= b.deliveryDeadline) {
            revert BountyBoard_DeliveryClosed(bountyId, b.deliveryDeadline);
        }
        if (c.bondState == BondState.None) revert BountyBoard_NotClaimant(bountyId, msg.sender);
        if (c.commits >= MAX_SUBMISSIONS_PER_TRAINER) {
            revert BountyBoard_TooManySubmissions(bountyId, msg.sender, MAX_SUBMISSIONS_PER_TRAINER);
        }
        if (commitment == bytes32(0)) revert BountyBoard_ZeroHash("commitment");
        uint256 existing = uint64(_s.byCommitment[bountyId][commitment]);
        if (existing != 0) revert BountyBoard_DuplicateCommitment(bountyId, commitment, existing);

        unchecked {
            // uint64 counters incremented once per transaction cannot overflow; `commits` is bounded by
            // MAX_SUBMISSIONS_PER_TRAINER and `unrevealed` by the 2^16 x 5 commits no bounty's gas allows.
            submissionId = ++_submissionCount;
            c.commits += 1;
            b.unrevealed += 1;
        }
        Submission storage sub = _s.submissions[submissionId];
        sub.trainer = msg.sender;
        // forge-lint: disable-next-line(unsafe-typecast)
        sub.bountyId = uint32(bountyId); // bounty ids fit 32 bits (createBounty checks)
        b.lastRevealDeadline = uint40(block.timestamp + b.revealPeriod);
        // One slot for what the reveal needs: the id (bits 0-63), the commit's time (64-127) and block (128-).
        _s.byCommitment[bountyId][commitment] = submissionId | (block.timestamp << 64) | (block.number << 128);
        emit CheckpointCommitted(bountyId, submissionId, msg.sender, commitment);
    }

    /// @notice Reveals a committed checkpoint, in a later block than its commit and within the reveal period. If an
    /// earlier commit revealed the same hash, this submission is disqualified as its copy; if a later one did, that
    /// one is.
    /// @param bountyId The bounty.
    /// @param checkpointHash The sha256 of the ONNX checkpoint.
    /// @param uri Where evaluators fetch the checkpoint; 1 to {MAX_URI_LENGTH} bytes. Emitted, not stored.
    /// @param salt The commitment's salt.
    /// @return submissionId The revealed submission.
    function revealCheckpoint(uint256 bountyId, bytes32 checkpointHash, string calldata uri, bytes32 salt)
        external
        nonReentrant
        returns (uint256 submissionId)
    {
        Bounty storage b = BountyLogic.existing(_s, bountyId);
        Submission storage sub;
        (submissionId, sub) = _revealable(b, bountyId, checkpointHash, salt);
        BountyLogic.checkUri(uri);

        unchecked {
            // Each commit is revealed once: `unrevealed` counted it; `reveals` is bounded above.
            b.unrevealed -= 1;
            b.reveals += 1;
        }
        sub.revealedAt = uint40(block.timestamp);
        emit CheckpointRevealed(
            bountyId, submissionId, msg.sender, checkpointHash, uri, uint64(block.timestamp)
        );

        uint256 holder = _s.byHash[bountyId][checkpointHash];
        if (holder != 0 && holder < submissionId) {
            // An earlier commit revealed this checkpoint first: this one is its copy.
            BountyLogic.markDuplicate(_s, b, bountyId, submissionId, holder, false);
            return submissionId;
        }
        _s.byHash[bountyId][checkpointHash] = submissionId;
        Claim storage c = _s.claims[bountyId][msg.sender];
        unchecked {
            // Bounded by the trainer's commits and the bounty's reveals.
            c.pending += 1;
            b.pending += 1;
        }
        b.lastEvaluationDeadline = uint40(block.timestamp + b.evaluationPeriod);
        if (holder != 0) {
            // A later commit revealed this checkpoint before this one (it copied it from somewhere): it loses it.
            BountyLogic.markDuplicate(_s, b, bountyId, holder, submissionId, true);
        }
    }

    /// @notice Returns the caller's bond to `to` once the bounty ended, when none of their submissions was a copy
    /// or disqualified by an upheld dispute, and one was scored or left unevaluated.
    function withdrawBond(uint256 bountyId, address to) external nonReentrant validRecipient(to) {
        BountyLogic.withdrawBond(_s, bountyId, to);
    }

    /// @notice Forfeits a trainer's bond once the bounty ended, when one of their submissions was a copy or
    /// disqualified by an upheld dispute, or none was scored or left unevaluated. It goes to the bounty's
    /// shareholders pro rata ({claimRevenue}), never to the platform. Anyone may call this.
    function forfeitBond(uint256 bountyId, address trainer) external nonReentrant {
        BountyLogic.forfeitBond(_s, bountyId, trainer);
    }

    /// @notice Withdraws the payout of a fulfilled bounty (raised minus the fee) to `to`.
    /// @param bountyId The bounty; only the winning submission's trainer may withdraw.
    /// @return amount The amount paid.
    function withdrawPayout(uint256 bountyId, address to)
        external
        nonReentrant
        validRecipient(to)
        returns (uint256 amount)
    {
        Bounty storage b = BountyLogic.existing(_s, bountyId);
        if (b.status != Status.Fulfilled) revert BountyBoard_WrongStatus(bountyId, b.status);
        address winner = _s.submissions[b.bestSubmissionId].trainer;
        if (msg.sender != winner) revert BountyBoard_NotWinner(bountyId, msg.sender, winner);
        amount = b.payout - b.payoutWithdrawn;
        if (amount == 0) revert BountyBoard_NothingToWithdraw(bountyId, msg.sender);
        b.payoutWithdrawn = b.payout;
        emit PayoutWithdrawn(bountyId, msg.sender, to, amount);
        BountyLogic.pay(_s, b.token, to, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     EVALUATORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Publishes the score of a revealed submission, within its evaluation period. Tracks the bounty's
    /// best qualifying submission (it meets the target; ties go to the earlier commit).
    /// @param submissionId The submission.
    /// @param score The score in the bounty's metric and fixed-point convention, inside the metric's range.
    /// @param reportHash The sha256 of the evaluation report.
    function publishEvaluation(uint256 submissionId, int128 score, bytes32 reportHash)
        external
        nonReentrant
        onlyRole(EVALUATOR_ROLE)
    {
        BountyLogic.publishEvaluation(_s, submissionId, score, reportHash);
    }

    /// @notice Disqualifies a revealed submission within its evaluation period: a detected copy (`copyOf`, an
    /// earlier revealed submission of the same bounty), or another reason such as an invalid model (`copyOf` 0).
    /// Only a copy marks its trainer's bond for forfeit. The trainer may dispute it.
    function disqualifySubmission(uint256 submissionId, bytes32 reportHash, uint256 copyOf)
        external
        nonReentrant
        onlyRole(EVALUATOR_ROLE)
    {
        BountyLogic.disqualifySubmission(_s, submissionId, reportHash, copyOf);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      DISPUTES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Disputes a submission's verdict, posting the bounty's dispute bond (approve first when it is not
    /// zero). Open during the verdict's challenge window, and on any verdict of a Verifying bounty from the eval
    /// set's reveal until the payout unlocks. An open dispute blocks finalization and the payout.
    /// @param submissionId A scored, or not finally disqualified, submission.
    /// @param reasonHash The hash of the disputer's evidence (for example a `npm run verify` output).
    /// @return disputeId The dispute's id. Ids start at 1.
    function dispute(uint256 submissionId, bytes32 reasonHash)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        return BountyLogic.dispute(_s, submissionId, reasonHash);
    }

    /// @notice The arbiter resolves a dispute before its deadline.
    /// - rejected (`upheld` false): the verdict stands and the dispute bond goes to the challenged trainer;
    /// - upheld with `disqualify`: the submission is disqualified for good, its trainer's bond marked for forfeit and
    ///   {DISPUTE_REWARD_BPS} of it paid to the disputer with their bond;
    /// - upheld without `disqualify`: the score becomes `correctedScore` (this also reinstates a submission the
    ///   evaluator disqualified); the disputer's bond returns.
    /// If the winner of a Verifying bounty falls and nothing else qualifies, the bounty fails and refunds open.
    /// @param disputeId The dispute.
    /// @param upheld Whether the disputer is right.
    /// @param disqualify With `upheld`: disqualify the submission (else correct its score).
    /// @param correctedScore With `upheld` and not `disqualify`: the submission's score.
    /// @param reportHash The hash of the arbiter's ruling (for an upheld dispute, its new report).
    function resolveDispute(
        uint256 disputeId,
        bool upheld,
        bool disqualify,
        int128 correctedScore,
        bytes32 reportHash
    ) external nonReentrant {
        BountyLogic.resolveDispute(_s, disputeId, upheld, disqualify, correctedScore, reportHash);
    }

    /// @notice Dismisses a dispute the arbiter left alone past its deadline: the verdict stands and the disputer
    /// gets their bond back. Anyone may call it; nothing stays locked on an absent arbiter.
    function expireDispute(uint256 disputeId) external nonReentrant {
        BountyLogic.expireDispute(_s, disputeId);
    }

    /// @notice Withdraws a closed dispute's money to `to`: the bond and any reward to the disputer, or, when the
    /// dispute was rejected, the bond to the challenged trainer.
    /// @return amount The amount paid.
    function withdrawDisputeBond(uint256 disputeId, address to)
        external
        nonReentrant
        validRecipient(to)
        returns (uint256 amount)
    {
        return BountyLogic.withdrawDisputeBond(_s, disputeId, to);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    FINALIZATION
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Finalizes a bounty. Anyone may call it:
    /// - in Funding, after the funding deadline: Failed (goal not reached);
    /// - in Funded, with no dispute open, at {finalizableAt}: Verifying when a submission qualifies, else Failed.
    /// @return status The new status.
    function finalize(uint256 bountyId) external nonReentrant returns (Status status) {
        return BountyLogic.finalize(_s, bountyId);
    }

    /// @notice Unlocks the payout of a Verifying bounty once its verification period is over (or the eval set's
    /// reveal deadline passed without a reveal) and no dispute is open. The bounty becomes Fulfilled and its fee
    /// accrues. Anyone may call it.
    function unlockPayout(uint256 bountyId) external nonReentrant {
        BountyLogic.unlockPayout(_s, bountyId);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      REVENUE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Deposits revenue earned by a fulfilled bounty's model, in the bounty's token (approve first). It is
    /// shared pro rata among the bounty's shareholders.
    /// @return received The amount received and shared out.
    function depositRevenue(uint256 bountyId, uint256 amount)
        external
        nonReentrant
        returns (uint256 received)
    {
        return BountyLogic.depositRevenue(_s, bountyId, amount);
    }

    /// @notice Claims the caller's share of a bounty's revenue and forfeited bonds, to `to`.
    /// @return amount The amount paid.
    function claimRevenue(uint256 bountyId, address to)
        external
        nonReentrant
        validRecipient(to)
        returns (uint256 amount)
    {
        Bounty storage b = BountyLogic.existing(_s, bountyId);
        _settle(msg.sender, bountyId, _s.revenuePerShare[bountyId]);
        uint256 owed = _s.revenueOwed[msg.sender][bountyId];
        amount = owed / BountyLogic.REVENUE_PRECISION;
        if (amount == 0) revert BountyBoard_NothingToWithdraw(bountyId, msg.sender);
        // The remainder below one unit stays owed: rounding never costs a holder more than once.
        _s.revenueOwed[msg.sender][bountyId] = owed - amount * BountyLogic.REVENUE_PRECISION;
        emit RevenueClaimed(bountyId, msg.sender, to, amount);
        BountyLogic.pay(_s, b.token, to, amount);
    }

    /// @notice Sends the platform fees accrued in `token` to the fee recipient. Anyone may call this.
    /// @return amount The amount sent.
    function withdrawFees(address token) external nonReentrant returns (uint256 amount) {
        amount = _s.accruedFees[token];
        if (amount == 0) revert BountyBoard_NoFees(token);
        _s.accruedFees[token] = 0;
        emit FeesWithdrawn(token, _feeRecipient, amount);
        BountyLogic.pay(_s, token, _feeRecipient, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       VIEWS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A bounty's full state.
    function getBounty(uint256 bountyId) external view returns (Bounty memory) {
        return _s.bounties[bountyId];
    }

    /// @notice A submission's state. The URI is in its {CheckpointRevealed} event.
    function getSubmission(uint256 submissionId) external view returns (Submission memory) {
        return _s.submissions[submissionId];
    }

    /// @notice A trainer's claim on a bounty.
    function getClaim(uint256 bountyId, address trainer) external view returns (Claim memory) {
        return _s.claims[bountyId][trainer];
    }

    /// @notice A dispute's state. Its reason hash is in its {DisputeOpened} event.
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        return _s.disputes[disputeId];
    }

    /// @notice The submission that holds `checkpointHash` on a bounty (the earliest commit revealing it); 0 if none.
    function submissionOf(uint256 bountyId, bytes32 checkpointHash) external view returns (uint256) {
        return _s.byHash[bountyId][checkpointHash];
    }

    /// @notice The submission a commitment created on a bounty and the commit's time; (0, 0) if none.
    function submissionOfCommitment(uint256 bountyId, bytes32 commitment)
        external
        view
        returns (uint256 submissionId, uint256 committedAt)
    {
        uint256 entry = _s.byCommitment[bountyId][commitment];
        return (uint64(entry), uint64(entry >> 64));
    }

    /// @notice The commitment {commitCheckpoint} expects: keccak256(abi.encode(checkpointHash, trainer, salt)).
    function commitmentOf(bytes32 checkpointHash, address trainer, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(checkpointHash, trainer, salt));
    }

    /// @notice How many bounties, submissions and disputes exist (ids run from 1 to these).
    function counts() external view returns (uint256 bounties, uint256 submissions, uint256 disputes) {
        return (_bountyCount, _submissionCount, _s.disputeCount);
    }

    /// @notice Whether `token` may fund new bounties.
    function isTokenAllowed(address token) external view returns (bool) {
        return _s.tokens[token].allowed;
    }

    /// @notice The platform fee for new bounties and its recipient.
    function feeConfig() external view returns (uint16 bps, address recipient) {
        return (_feeBps, _feeRecipient);
    }

    /// @notice The board's parameter bounds.
    function limits() external view returns (Limits memory) {
        return _s.limits;
    }

    /// @notice A metric's registration.
    function metric(bytes32 metricId) external view returns (Metric memory) {
        return _s.metrics[metricId];
    }

    /// @notice The earliest time a Funded bounty can be finalized given what is known now (0 if not Funded or a
    /// dispute is open).
    function finalizableAt(uint256 bountyId) external view returns (uint256) {
        Bounty storage b = _s.bounties[bountyId];
        return b.status == Status.Funded && b.openDisputes == 0 ? BountyLogic.finalizableAt(b) : 0;
    }

    /// @notice When a Verifying bounty's payout unlocks, disputes aside (0 if not Verifying).
    function unlockAt(uint256 bountyId) external view returns (uint256) {
        Bounty storage b = _s.bounties[bountyId];
        return b.status == Status.Verifying ? BountyLogic.unlockAt(b) : 0;
    }

    /// @notice What the winner of a fulfilled bounty can withdraw now.
    function payoutOwed(uint256 bountyId) external view returns (uint256) {
        Bounty storage b = _s.bounties[bountyId];
        return b.status == Status.Fulfilled ? b.payout - b.payoutWithdrawn : 0;
    }

    /// @notice What `account` can get refunded from a failed or cancelled bounty now.
    function refundable(uint256 bountyId, address account) external view returns (uint256) {
        Status status = _s.bounties[bountyId].status;
        return status == Status.Failed || status == Status.Cancelled ? balanceOf(account, bountyId) : 0;
    }

    /// @notice The revenue (and forfeited bonds) `account` can claim from a bounty now.
    function claimableRevenue(uint256 bountyId, address account) external view returns (uint256) {
        return (_s.revenueOwed[account][bountyId] + _accrued(account, bountyId, _s.revenuePerShare[bountyId]))
            / BountyLogic.REVENUE_PRECISION;
    }

    /// @notice Cumulative revenue per share of a bounty, scaled by 1e27.
    function revenuePerShare(uint256 bountyId) external view returns (uint256) {
        return _s.revenuePerShare[bountyId];
    }

    /// @notice Platform fees accrued in `token`, not yet withdrawn.
    function accruedFees(address token) external view returns (uint256) {
        return _s.accruedFees[token];
    }

    /// @notice Everything the board owes in `token`: escrow, bonds, dispute bonds, payouts, fees, revenue.
    function liabilities(address token) external view returns (uint256) {
        return _s.tokens[token].liabilities;
    }

    /// @inheritdoc IERC6909TokenSupply
    function totalSupply(uint256 id) external view returns (uint256) {
        return _s.bounties[id].raised;
    }

    /// @notice The shares' name: "Crowdtrain bounty <id>".
    function name(uint256 id) public pure override returns (string memory) {
        return string.concat("Crowdtrain bounty ", Strings.toString(id));
    }

    /// @notice The shares' symbol: "CT-<id>".
    function symbol(uint256 id) public pure override returns (string memory) {
        return string.concat("CT-", Strings.toString(id));
    }

    /// @notice The shares' decimals: the funding token's (18 if it does not say).
    function decimals(uint256 id) public view override returns (uint8) {
        return _s.bounties[id].decimals;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC6909Metadata, AccessControl, IERC165)
        returns (bool)
    {
        return interfaceId == type(IERC6909TokenSupply).interfaceId
            || ERC6909Metadata.supportsInterface(interfaceId) || AccessControl.supportsInterface(interfaceId);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     INTERNALS
    //////////////////////////////////////////////////////////////////////////*/

    function _setLimits(Limits memory l) private {
        BountyLogic.checkLimits(l);
        _s.limits = l;
        emit LimitsUpdated(l);
    }

    /// @dev The caller's committed submission that `checkpointHash` and `salt` open, checked for a reveal now.
    function _revealable(Bounty storage b, uint256 bountyId, bytes32 checkpointHash, bytes32 salt)
        private
        view
        returns (uint256 submissionId, Submission storage sub)
    {
        bytes32 commitment = keccak256(abi.encode(checkpointHash, msg.sender, salt));
        uint256 entry = _s.byCommitment[bountyId][commitment];
        submissionId = uint64(entry);
        if (submissionId == 0) revert BountyBoard_UnknownCommitment(bountyId, commitment);
        sub = _s.submissions[submissionId];
        if (sub.revealedAt != 0) revert BountyBoard_AlreadyRevealed(submissionId);
        if (b.status != Status.Funded) revert BountyBoard_WrongStatus(bountyId, b.status);
        uint256 commitBlock = entry >> 128;
        if (block.number <= commitBlock) revert BountyBoard_RevealTooEarly(submissionId, commitBlock);
        uint256 committedAt = uint64(entry >> 64);
        uint256 deadline = committedAt + b.revealPeriod;
        if (block.timestamp >= deadline) revert BountyBoard_RevealClosed(submissionId, deadline);
        if (checkpointHash == bytes32(0)) revert BountyBoard_ZeroHash("checkpointHash");
        if (b.reveals >= MAX_REVEALS_PER_BOUNTY) {
            revert BountyBoard_TooManyReveals(bountyId, MAX_REVEALS_PER_BOUNTY);
        }
    }

    function _fund(uint256 bountyId, uint256 amount) private returns (uint256 credited) {
        Bounty storage b = _s.bounties[bountyId];
        Status status = b.status;
        if (amount == 0) revert BountyBoard_ZeroAmount();
        bool overfunding = b.allowOverfunding;
        if (status != Status.Funding && !(status == Status.Funded && overfunding)) {
            if (status == Status.None) revert BountyBoard_UnknownBounty(bountyId);
            if (status == Status.Funded) revert BountyBoard_GoalReached(bountyId, b.goal);
            revert BountyBoard_WrongStatus(bountyId, status);
        }
        if (block.timestamp >= b.fundingDeadline) {
            revert BountyBoard_FundingClosed(bountyId, b.fundingDeadline);
        }
        address token = b.token;
        if (!_s.tokens[token].allowed) revert BountyBoard_TokenNotAllowed(token);
        uint256 raised = b.raised;
        if (!overfunding) {
            // In Funding, raised < goal: take no more than the goal still needs.
            uint256 missing;
            unchecked {
                missing = b.goal - raised;
            }
            if (amount > missing) amount = missing;
        }
        // Pull first to measure what arrived; nonReentrant guards the effects that follow.
        credited = BountyLogic.pull(_s, token, msg.sender, amount);
        if (credited == 0) revert BountyBoard_NothingReceived(bountyId);
        raised += credited;
        b.raised = BountyLogic.toUint128(raised);
        _mint(msg.sender, bountyId, credited);
        if (status == Status.Funding && raised >= b.goal) {
            b.status = Status.Funded;
            emit BountyFunded(bountyId, raised);
        }
    }

    /// @dev Entitlement accrued since `account`'s last settlement, in BountyLogic.REVENUE_PRECISION units (exact).
    function _accrued(address account, uint256 bountyId, uint256 perShare) private view returns (uint256) {
        return balanceOf(account, bountyId) * perShare - _s.revenueDebt[account][bountyId];
    }

    /// @dev Moves what `account` accrued into what it is owed and resets its debt to its balance x per-share.
    function _settle(address account, uint256 bountyId, uint256 perShare) private {
        if (perShare == 0) return;
        uint256 accrued = _accrued(account, bountyId, perShare);
        if (accrued != 0) _s.revenueOwed[account][bountyId] += accrued;
        _s.revenueDebt[account][bountyId] = balanceOf(account, bountyId) * perShare;
    }

    /// @dev Settles revenue for both sides before shares move, then resets their debts to the new balances. Until
    /// something was shared out, mints, burns and transfers skip this.
    function _update(address from, address to, uint256 id, uint256 amount) internal override {
        if (!_s.bounties[id].distributed) return super._update(from, to, id, amount);
        uint256 perShare = _s.revenuePerShare[id];
        if (from != address(0)) _settle(from, id, perShare);
        if (to != address(0) && to != from) _settle(to, id, perShare);
        super._update(from, to, id, amount);
        if (from != address(0)) _s.revenueDebt[from][id] = balanceOf(from, id) * perShare;
        if (to != address(0)) _s.revenueDebt[to][id] = balanceOf(to, id) * perShare;
    }
}
