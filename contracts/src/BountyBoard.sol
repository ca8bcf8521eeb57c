// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { AccessControl } from "@openzeppelin/contracts/access/AccessControl.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Permit } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ERC6909 } from "@openzeppelin/contracts/token/ERC6909/ERC6909.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title BountyBoard
/// @notice One contract holding every Crowdtrain bounty. A DAO proposes a model to train with a funding goal,
/// deadlines and an evaluation spec frozen by hash; backers fund it in an allowlisted ERC-20 and receive ERC-6909
/// shares (token id = bounty id) minted 1:1 with what the board actually received; trainers claim it, posting a
/// bond, and submit checkpoints; evaluators publish scores; anyone finalizes it. A fulfilled bounty pays its best
/// qualifying submission and then shares later revenue pro rata among shareholders; a failed one refunds backers.
/// @dev Every payment is pulled by its beneficiary. Amounts are what the board measured it received, so
/// fee-on-transfer tokens stay exact. `_liabilities` tracks, per token, everything the board owes; every payment
/// out is checked against it.
contract BountyBoard is ERC6909, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////////////////
                                       TYPES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Lifecycle of a bounty. Funding -> Funded -> Fulfilled | Failed; Funding -> Cancelled | Failed.
    enum Status {
        None,
        Funding,
        Funded,
        Fulfilled,
        Failed,
        Cancelled
    }

    /// @notice Whether a higher or a lower score is better (accuracy vs perplexity).
    enum Direction {
        HigherIsBetter,
        LowerIsBetter
    }

    /// @notice The evaluator's verdict on a submission.
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

    /// @notice The arguments of {createBounty}.
    /// @param token The allowlisted ERC-20 the bounty is funded and paid in.
    /// @param goal The funding goal, in token base units.
    /// @param fundingDeadline Funding closes at this timestamp.
    /// @param deliveryDeadline Submissions close at this timestamp; after `fundingDeadline`.
    /// @param specHash Hash of the canonical bounty spec JSON.
    /// @param evalSetCommitment Hash of the private held-out set with a salt.
    /// @param metricId The metric the score is expressed in (e.g. "perplexity", as bytes32).
    /// @param targetScore A submission qualifies when its score meets this target.
    /// @param direction Whether higher or lower scores are better.
    /// @param bond What a trainer posts to claim the bounty; may be zero.
    /// @param challengeWindow How long a qualifying best score must stand before early finalization, and how long
    /// after the delivery deadline pending evaluations are awaited.
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
    }

    /// @notice A bounty, packed into eight storage slots.
    struct Bounty {
        // slot 0: read by fund, refund and every status check.
        address token;
        uint64 fundingDeadline;
        Status status;
        Direction direction;
        uint16 feeBps;
        // slot 1
        address dao;
        uint64 deliveryDeadline;
        uint32 challengeWindow;
        // slot 2: the fund path's other slot.
        uint128 goal;
        uint128 raised;
        // slot 3
        int128 targetScore;
        uint128 bond;
        // slot 4: the best qualifying submission so far (0: none).
        int128 bestScore;
        uint64 bestSubmissionId;
        uint64 bestSince;
        // slot 5
        uint128 forfeitedBonds;
        uint128 payoutWithdrawn;
        // slot 6
        uint64 pendingEvaluations;
        uint64 submissionCount;
        // slots 7-9
        bytes32 specHash;
        bytes32 evalSetCommitment;
        bytes32 metricId;
    }

    /// @notice A trainer's claim on a bounty, one storage slot.
    struct Claim {
        uint128 bond;
        BondState bondState;
        uint8 submissions;
        uint8 pending;
        bool passed;
    }

    /// @notice A checkpoint submitted to a bounty.
    struct Submission {
        address trainer;
        uint64 bountyId;
        Verdict verdict;
        uint64 submittedAt;
        int128 score;
        bytes32 checkpointHash;
        bytes32 reportHash;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice May propose bounties.
    bytes32 public constant DAO_ROLE = keccak256("DAO_ROLE");
    /// @notice May publish evaluations and disqualify submissions.
    bytes32 public constant EVALUATOR_ROLE = keccak256("EVALUATOR_ROLE");
    /// @notice The platform fee can never exceed 10%.
    uint16 public constant MAX_FEE_BPS = 1000;
    /// @notice How many checkpoints one trainer may submit to one bounty.
    uint8 public constant MAX_SUBMISSIONS_PER_TRAINER = 5;
    /// @notice The longest challenge window a bounty may set.
    uint32 public constant MAX_CHALLENGE_WINDOW = 30 days;
    /// @notice The longest checkpoint URI accepted, in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;
    /// @dev Fixed-point scale of revenue per share.
    uint256 private constant REVENUE_PRECISION = 1e36;
    uint256 private constant BPS = 10_000;

    /*//////////////////////////////////////////////////////////////////////////
                                      STORAGE
    //////////////////////////////////////////////////////////////////////////*/

    mapping(address token => bool) private _allowedTokens;
    address private _feeRecipient;
    uint16 private _feeBps;
    uint64 private _bountyCount;
    uint64 private _submissionCount;

    mapping(uint256 bountyId => Bounty) private _bounties;
    mapping(uint256 bountyId => mapping(address trainer => Claim)) private _claims;
    mapping(uint256 submissionId => Submission) private _submissions;
    mapping(uint256 bountyId => mapping(bytes32 checkpointHash => uint256 submissionId)) private
        _submissionByHash;

    mapping(address token => uint256) private _liabilities;
    mapping(address token => uint256) private _accruedFees;

    mapping(uint256 bountyId => uint256) private _revenuePerShare;
    mapping(address account => mapping(uint256 bountyId => uint256)) private _revenueDebt;
    mapping(address account => mapping(uint256 bountyId => uint256)) private _revenueOwed;

    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A token was added to or removed from the allowlist.
    event TokenAllowlistUpdated(address indexed token, bool allowed);
    /// @notice The platform fee for new bounties changed.
    event FeeUpdated(uint16 previousBps, uint16 newBps);
    /// @notice The account receiving platform fees changed.
    event FeeRecipientUpdated(address indexed previousRecipient, address indexed newRecipient);
    /// @notice A DAO proposed a bounty. Carries every parameter and the fee it locked in, so an indexer needs no
    /// extra call.
    event BountyCreated(
        uint256 indexed bountyId,
        address indexed dao,
        address indexed token,
        CreateBountyParams params,
        uint16 feeBps
    );
    /// @notice The DAO cancelled a bounty that had not reached its goal; refunds are open.
    event BountyCancelled(uint256 indexed bountyId, uint128 raised);
    /// @notice A backer funded a bounty; `amount` is what the board received and the shares minted.
    event Contributed(uint256 indexed bountyId, address indexed backer, uint256 amount, uint256 raised);
    /// @notice A bounty reached its funding goal.
    event BountyFunded(uint256 indexed bountyId, uint256 raised);
    /// @notice A trainer claimed a bounty, posting `bond`.
    event BountyClaimed(uint256 indexed bountyId, address indexed trainer, uint128 bond);
    /// @notice A trainer submitted a checkpoint.
    event CheckpointSubmitted(
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        address indexed trainer,
        bytes32 checkpointHash,
        string uri,
        uint64 submittedAt
    );
    /// @notice An evaluator scored a submission. `best` is true when it became the bounty's best qualifying one.
    event EvaluationPublished(
        uint256 indexed bountyId,
        uint256 indexed submissionId,
        int128 score,
        bytes32 reportHash,
        bool qualifies,
        bool best
    );
    /// @notice An evaluator disqualified a submission (a detected copy, a broken model...).
    event SubmissionDisqualified(uint256 indexed bountyId, uint256 indexed submissionId, bytes32 reportHash);
    /// @notice A bounty was finalized as Fulfilled (with its winner, payout and fee) or Failed.
    event BountyFinalized(
        uint256 indexed bountyId, Status status, uint256 winningSubmissionId, uint256 payout, uint256 fee
    );
    /// @notice A trainer's bond became withdrawable and was withdrawn.
    event BondReturned(uint256 indexed bountyId, address indexed trainer, uint128 amount);
    /// @notice A trainer's bond was forfeited: to the payout of a fulfilled bounty, else to the platform.
    event BondForfeited(uint256 indexed bountyId, address indexed trainer, uint128 amount, bool toPayout);
    /// @notice The winner withdrew (part of) the payout.
    event PayoutWithdrawn(uint256 indexed bountyId, address indexed winner, uint256 amount);
    /// @notice A shareholder of a failed bounty was refunded, burning their shares.
    event Refunded(uint256 indexed bountyId, address indexed backer, uint256 amount);
    /// @notice Revenue for a fulfilled bounty's model was deposited.
    event RevenueDeposited(
        uint256 indexed bountyId, address indexed from, uint256 amount, uint256 revenuePerShare
    );
    /// @notice A shareholder claimed revenue.
    event RevenueClaimed(uint256 indexed bountyId, address indexed account, uint256 amount);
    /// @notice Accrued platform fees were sent to the fee recipient.
    event FeesWithdrawn(address indexed token, address indexed recipient, uint256 amount);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The fee exceeds {MAX_FEE_BPS}.
    error BountyBoard_FeeTooHigh(uint16 bps, uint16 maxBps);
    /// @notice The zero address was given where an account is required.
    error BountyBoard_ZeroAddress();
    /// @notice The token is not on the allowlist.
    error BountyBoard_TokenNotAllowed(address token);
    /// @notice The funding goal is zero.
    error BountyBoard_ZeroGoal();
    /// @notice The funding deadline is not in the future.
    error BountyBoard_FundingDeadlineNotInFuture(uint64 fundingDeadline, uint256 nowTimestamp);
    /// @notice The delivery deadline is not after the funding deadline.
    error BountyBoard_DeliveryBeforeFunding(uint64 fundingDeadline, uint64 deliveryDeadline);
    /// @notice A required hash (spec, eval-set commitment, metric id, checkpoint) is zero.
    error BountyBoard_ZeroHash(string field);
    /// @notice The challenge window exceeds {MAX_CHALLENGE_WINDOW}.
    error BountyBoard_ChallengeWindowTooLong(uint32 challengeWindow, uint32 maxWindow);
    /// @notice No bounty has this id.
    error BountyBoard_UnknownBounty(uint256 bountyId);
    /// @notice Only the bounty's DAO may do this.
    error BountyBoard_NotBountyDao(uint256 bountyId, address caller, address dao);
    /// @notice The bounty's status does not allow this.
    error BountyBoard_WrongStatus(uint256 bountyId, Status status);
    /// @notice A zero amount was given.
    error BountyBoard_ZeroAmount();
    /// @notice Funding closed at the funding deadline.
    error BountyBoard_FundingClosed(uint256 bountyId, uint64 fundingDeadline);
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
    /// @notice This checkpoint hash was already submitted to the bounty, by `submissionId`.
    error BountyBoard_DuplicateCheckpoint(uint256 bountyId, bytes32 checkpointHash, uint256 submissionId);
    /// @notice The trainer reached {MAX_SUBMISSIONS_PER_TRAINER}.
    error BountyBoard_TooManySubmissions(uint256 bountyId, address trainer, uint8 max);
    /// @notice The URI is empty or longer than {MAX_URI_LENGTH}.
    error BountyBoard_BadUri(uint256 length);
    /// @notice No submission has this id.
    error BountyBoard_UnknownSubmission(uint256 submissionId);
    /// @notice The submission already has a verdict.
    error BountyBoard_AlreadyEvaluated(uint256 submissionId, Verdict verdict);
    /// @notice The bounty cannot be finalized yet; `readyAt` is the earliest time it could be (0: unknown).
    error BountyBoard_NotFinalizable(uint256 bountyId, Status status, uint256 readyAt);
    /// @notice Only the winning trainer may withdraw the payout.
    error BountyBoard_NotWinner(uint256 bountyId, address caller, address winner);
    /// @notice There is nothing to withdraw.
    error BountyBoard_NothingToWithdraw(uint256 bountyId, address account);
    /// @notice The bond is not withdrawable: not posted, already settled, or no evaluated submission yet.
    error BountyBoard_BondNotReturnable(uint256 bountyId, address trainer, BondState state);
    /// @notice The bond cannot be forfeited: not posted, settled, pending evaluation, or the trainer passed.
    error BountyBoard_BondNotForfeitable(uint256 bountyId, address trainer, BondState state);
    /// @notice No platform fees are accrued in `token`.
    error BountyBoard_NoFees(address token);
    /// @notice Solvency guard: a payment would exceed what the board owes in that token. Should never happen.
    error BountyBoard_Insolvent(address token, uint256 amount, uint256 liabilities);

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param admin Holds DEFAULT_ADMIN_ROLE: an EOA, a Safe or a TimelockController.
    /// @param feeRecipient_ Receives platform fees.
    /// @param feeBps_ The platform fee for new bounties, at most {MAX_FEE_BPS}.
    constructor(address admin, address feeRecipient_, uint16 feeBps_) {
        if (admin == address(0) || feeRecipient_ == address(0)) revert BountyBoard_ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert BountyBoard_FeeTooHigh(feeBps_, MAX_FEE_BPS);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _feeRecipient = feeRecipient_;
        _feeBps = feeBps_;
        emit FeeRecipientUpdated(address(0), feeRecipient_);
        emit FeeUpdated(0, feeBps_);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                   ADMINISTRATION
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Adds `token` to, or removes it from, the allowlist of funding tokens. Existing bounties keep theirs.
    /// @param token The ERC-20.
    /// @param allowed Whether new bounties may use it.
    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0)) revert BountyBoard_ZeroAddress();
        _allowedTokens[token] = allowed;
        emit TokenAllowlistUpdated(token, allowed);
    }

    /// @notice Sets the platform fee for bounties created from now on (existing ones keep theirs).
    /// @param bps The fee in basis points, at most {MAX_FEE_BPS}.
    function setFee(uint16 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_FEE_BPS) revert BountyBoard_FeeTooHigh(bps, MAX_FEE_BPS);
        uint16 previous = _feeBps;
        _feeBps = bps;
        emit FeeUpdated(previous, bps);
    }

    /// @notice Sets the account that receives platform fees, including fees already accrued.
    /// @param recipient The new recipient.
    function setFeeRecipient(address recipient) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (recipient == address(0)) revert BountyBoard_ZeroAddress();
        address previous = _feeRecipient;
        _feeRecipient = recipient;
        emit FeeRecipientUpdated(previous, recipient);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                        DAO
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Proposes a bounty. The caller (a DAO_ROLE holder) becomes the bounty's DAO.
    /// @param p The bounty's parameters; see {CreateBountyParams}.
    /// @return bountyId The new bounty's id, also its ERC-6909 share id. Ids start at 1.
    function createBounty(CreateBountyParams calldata p)
        external
        nonReentrant
        onlyRole(DAO_ROLE)
        returns (uint256 bountyId)
    {
        // Check:
        if (!_allowedTokens[p.token]) revert BountyBoard_TokenNotAllowed(p.token);
        if (p.goal == 0) revert BountyBoard_ZeroGoal();
        if (p.fundingDeadline <= block.timestamp) {
            revert BountyBoard_FundingDeadlineNotInFuture(p.fundingDeadline, block.timestamp);
        }
        if (p.deliveryDeadline <= p.fundingDeadline) {
            revert BountyBoard_DeliveryBeforeFunding(p.fundingDeadline, p.deliveryDeadline);
        }
        if (p.specHash == bytes32(0)) revert BountyBoard_ZeroHash("specHash");
        if (p.evalSetCommitment == bytes32(0)) revert BountyBoard_ZeroHash("evalSetCommitment");
        if (p.metricId == bytes32(0)) revert BountyBoard_ZeroHash("metricId");
        if (p.challengeWindow > MAX_CHALLENGE_WINDOW) {
            revert BountyBoard_ChallengeWindowTooLong(p.challengeWindow, MAX_CHALLENGE_WINDOW);
        }

        // Effect:
        unchecked {
            // A uint64 counter incremented once per transaction cannot overflow.
            bountyId = ++_bountyCount;
        }
        Bounty storage b = _bounties[bountyId];
        b.token = p.token;
        b.fundingDeadline = p.fundingDeadline;
        b.status = Status.Funding;
        b.direction = p.direction;
        b.feeBps = _feeBps;
        b.dao = msg.sender;
        b.deliveryDeadline = p.deliveryDeadline;
        b.challengeWindow = p.challengeWindow;
        b.goal = p.goal;
        b.targetScore = p.targetScore;
        b.bond = p.bond;
        b.specHash = p.specHash;
        b.evalSetCommitment = p.evalSetCommitment;
        b.metricId = p.metricId;
        emit BountyCreated(bountyId, msg.sender, p.token, p, b.feeBps);
    }

    /// @notice Cancels a bounty that has not reached its goal. Refunds open at once.
    /// @param bountyId The bounty; only its DAO may cancel it.
    function cancelBounty(uint256 bountyId) external nonReentrant {
        Bounty storage b = _existing(bountyId);
        // Check:
        if (msg.sender != b.dao) revert BountyBoard_NotBountyDao(bountyId, msg.sender, b.dao);
        if (b.status != Status.Funding) revert BountyBoard_WrongStatus(bountyId, b.status);
        // Effect:
        b.status = Status.Cancelled;
        emit BountyCancelled(bountyId, b.raised);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      BACKERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Funds a bounty with `amount` of its token (approve the board first). Mints shares equal to what the
    /// board received.
    /// @param bountyId The bounty, in Funding or Funded status, before its funding deadline.
    /// @param amount The amount to transfer, in token base units; not zero.
    /// @return credited The amount received and minted as shares.
    function fund(uint256 bountyId, uint256 amount) external nonReentrant returns (uint256 credited) {
        return _fund(bountyId, amount);
    }

    /// @notice Funds a bounty in one signature with an EIP-2612 permit. If the permit call fails (for instance
    /// because someone front-ran it), funding proceeds with the existing allowance.
    /// @param bountyId The bounty.
    /// @param amount The amount to transfer, also the permit's value.
    /// @param deadline The permit's deadline.
    /// @param v Signature part.
    /// @param r Signature part.
    /// @param s Signature part.
    /// @return credited The amount received and minted as shares.
    function fundWithPermit(uint256 bountyId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256 credited)
    {
        address token = _existing(bountyId).token;
        // Interaction: a failed permit is not fatal; the transfer below needs the allowance either way.
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) { } catch { }
        return _fund(bountyId, amount);
    }

    /// @notice Refunds the caller's whole share balance of a failed or cancelled bounty, burning the shares.
    /// @param bountyId The bounty.
    /// @return amount The amount refunded.
    function refund(uint256 bountyId) external nonReentrant returns (uint256 amount) {
        Bounty storage b = _bounties[bountyId];
        Status status = b.status;
        // Check:
        if (status != Status.Failed && status != Status.Cancelled) {
            revert BountyBoard_WrongStatus(bountyId, status);
        }
        amount = balanceOf(msg.sender, bountyId);
        if (amount == 0) revert BountyBoard_NothingToWithdraw(bountyId, msg.sender);
        // Effect:
        _burn(msg.sender, bountyId, amount);
        emit Refunded(bountyId, msg.sender, amount);
        // Interaction:
        _pay(b.token, msg.sender, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      TRAINERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Claims a funded bounty, posting its bond (approve the board first when the bond is not zero).
    /// @param bountyId The bounty, Funded and before its delivery deadline. One claim per trainer.
    function claim(uint256 bountyId) external nonReentrant {
        Bounty storage b = _existing(bountyId);
        Claim storage c = _claims[bountyId][msg.sender];
        // Check:
        if (b.status != Status.Funded) revert BountyBoard_WrongStatus(bountyId, b.status);
        if (block.timestamp >= b.deliveryDeadline) {
            revert BountyBoard_DeliveryClosed(bountyId, b.deliveryDeadline);
        }
        if (c.bondState != BondState.None) revert BountyBoard_AlreadyClaimed(bountyId, msg.sender);
        uint128 bond = b.bond;
        if (bond != 0) {
            // Interaction: measured, so a fee-on-transfer token credits what really arrived.
            bond = _toUint128(_pull(b.token, msg.sender, bond));
        }
        // Effect:
        c.bond = bond;
        c.bondState = BondState.Posted;
        emit BountyClaimed(bountyId, msg.sender, bond);
    }

    /// @notice Submits a checkpoint to a claimed bounty before its delivery deadline.
    /// @param bountyId The bounty.
    /// @param checkpointHash The sha256 of the ONNX checkpoint; unique per bounty (the first submitter keeps it).
    /// @param uri Where evaluators fetch the checkpoint; 1 to {MAX_URI_LENGTH} bytes. Emitted, not stored.
    /// @return submissionId The submission's id, unique across bounties. Ids start at 1.
    function submitCheckpoint(uint256 bountyId, bytes32 checkpointHash, string calldata uri)
        external
        nonReentrant
        returns (uint256 submissionId)
    {
        Bounty storage b = _existing(bountyId);
        Claim storage c = _claims[bountyId][msg.sender];
        // Check:
        if (b.status != Status.Funded) revert BountyBoard_WrongStatus(bountyId, b.status);
        if (block.timestamp >= b.deliveryDeadline) {
            revert BountyBoard_DeliveryClosed(bountyId, b.deliveryDeadline);
        }
        if (c.bondState == BondState.None) revert BountyBoard_NotClaimant(bountyId, msg.sender);
        if (c.submissions >= MAX_SUBMISSIONS_PER_TRAINER) {
            revert BountyBoard_TooManySubmissions(bountyId, msg.sender, MAX_SUBMISSIONS_PER_TRAINER);
        }
        if (checkpointHash == bytes32(0)) revert BountyBoard_ZeroHash("checkpointHash");
        uint256 existing = _submissionByHash[bountyId][checkpointHash];
        if (existing != 0) revert BountyBoard_DuplicateCheckpoint(bountyId, checkpointHash, existing);
        if (bytes(uri).length == 0 || bytes(uri).length > MAX_URI_LENGTH) {
            revert BountyBoard_BadUri(bytes(uri).length);
        }

        // Effect:
        unchecked {
            // uint64 counters incremented once per transaction cannot overflow; `submissions` and `pending` are
            // bounded by MAX_SUBMISSIONS_PER_TRAINER.
            submissionId = ++_submissionCount;
            b.pendingEvaluations += 1;
            b.submissionCount += 1;
            c.submissions += 1;
            c.pending += 1;
        }
        _submissions[submissionId] = Submission({
            trainer: msg.sender,
            // forge-lint: disable-next-line(unsafe-typecast)
            bountyId: uint64(bountyId), // bounty ids come from a uint64 counter (checked by _existing)
            verdict: Verdict.Pending,
            submittedAt: uint64(block.timestamp),
            score: 0,
            checkpointHash: checkpointHash,
            reportHash: bytes32(0)
        });
        _submissionByHash[bountyId][checkpointHash] = submissionId;
        emit CheckpointSubmitted(
            bountyId, submissionId, msg.sender, checkpointHash, uri, uint64(block.timestamp)
        );
    }

    /// @notice Withdraws the caller's bond once one of their submissions was scored (not disqualified).
    /// @param bountyId The bounty.
    function withdrawBond(uint256 bountyId) external nonReentrant {
        Claim storage c = _claims[bountyId][msg.sender];
        // Check:
        if (c.bondState != BondState.Posted || !c.passed || c.bond == 0) {
            revert BountyBoard_BondNotReturnable(bountyId, msg.sender, c.bondState);
        }
        // Effect:
        uint128 amount = c.bond;
        c.bondState = BondState.Returned;
        emit BondReturned(bountyId, msg.sender, amount);
        // Interaction:
        _pay(_bounties[bountyId].token, msg.sender, amount);
    }

    /// @notice Forfeits the bond of a trainer who has no scored submission, once the bounty is finalized and none
    /// of theirs awaits evaluation. It goes to the payout of a fulfilled bounty, else to the platform. Anyone may
    /// call this.
    /// @param bountyId The bounty.
    /// @param trainer The claimant.
    function forfeitBond(uint256 bountyId, address trainer) external nonReentrant {
        Bounty storage b = _existing(bountyId);
        Claim storage c = _claims[bountyId][trainer];
        // Check:
        if (b.status != Status.Fulfilled && b.status != Status.Failed) {
            revert BountyBoard_WrongStatus(bountyId, b.status);
        }
        if (c.bondState != BondState.Posted || c.passed || c.pending != 0 || c.bond == 0) {
            revert BountyBoard_BondNotForfeitable(bountyId, trainer, c.bondState);
        }
        // Effect: the amount stays in the board's liabilities, moving from bond to payout or fees.
        uint128 amount = c.bond;
        c.bondState = BondState.Forfeited;
        bool toPayout = b.status == Status.Fulfilled;
        if (toPayout) {
            b.forfeitedBonds += amount;
        } else {
            _accruedFees[b.token] += amount;
        }
        emit BondForfeited(bountyId, trainer, amount, toPayout);
    }

    /// @notice Withdraws the payout of a fulfilled bounty: raised minus the fee, plus forfeited bonds. Callable
    /// again if more bonds are forfeited later.
    /// @param bountyId The bounty; only the winning submission's trainer may withdraw.
    /// @return amount The amount paid.
    function withdrawPayout(uint256 bountyId) external nonReentrant returns (uint256 amount) {
        Bounty storage b = _existing(bountyId);
        // Check:
        if (b.status != Status.Fulfilled) revert BountyBoard_WrongStatus(bountyId, b.status);
        address winner = _submissions[b.bestSubmissionId].trainer;
        if (msg.sender != winner) revert BountyBoard_NotWinner(bountyId, msg.sender, winner);
        uint256 total = _payoutTotal(b);
        amount = total - b.payoutWithdrawn;
        if (amount == 0) revert BountyBoard_NothingToWithdraw(bountyId, msg.sender);
        // Effect: total <= raised + forfeited bonds, both uint128, and raised only shrinks by the fee.
        b.payoutWithdrawn = _toUint128(total);
        emit PayoutWithdrawn(bountyId, msg.sender, amount);
        // Interaction:
        _pay(b.token, msg.sender, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     EVALUATORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Publishes the score of a submission, once. Tracks the bounty's best qualifying submission (it meets
    /// the target; ties go to the earlier submission) while the bounty is not finalized. After finalization a
    /// score still settles the trainer's bond but no longer changes the winner.
    /// @param submissionId The submission.
    /// @param score The score in the bounty's metric and fixed-point convention.
    /// @param reportHash The sha256 of the evaluation report.
    function publishEvaluation(uint256 submissionId, int128 score, bytes32 reportHash)
        external
        nonReentrant
        onlyRole(EVALUATOR_ROLE)
    {
        (Submission storage sub, Bounty storage b, Claim storage c) = _openVerdict(submissionId);
        uint256 bountyId = sub.bountyId;
        if (reportHash == bytes32(0)) revert BountyBoard_ZeroHash("reportHash");

        // Effect:
        sub.verdict = Verdict.Scored;
        sub.score = score;
        sub.reportHash = reportHash;
        c.passed = true;
        bool qualifies =
            b.direction == Direction.HigherIsBetter ? score >= b.targetScore : score <= b.targetScore;
        bool best = qualifies && b.status == Status.Funded && _beatsBest(b, submissionId, score);
        if (best) {
            b.bestScore = score;
            // forge-lint: disable-next-line(unsafe-typecast)
            b.bestSubmissionId = uint64(submissionId); // submission ids come from a uint64 counter
            b.bestSince = uint64(block.timestamp);
        }
        emit EvaluationPublished(bountyId, submissionId, score, reportHash, qualifies, best);
    }

    /// @notice Disqualifies a submission that has no verdict yet (a detected copy, an invalid model...). Its
    /// trainer's bond is forfeited unless another of their submissions is scored.
    /// @param submissionId The submission.
    /// @param reportHash The sha256 of the report explaining why.
    function disqualifySubmission(uint256 submissionId, bytes32 reportHash)
        external
        nonReentrant
        onlyRole(EVALUATOR_ROLE)
    {
        (Submission storage sub,,) = _openVerdict(submissionId);
        if (reportHash == bytes32(0)) revert BountyBoard_ZeroHash("reportHash");
        // Effect:
        sub.verdict = Verdict.Disqualified;
        sub.reportHash = reportHash;
        emit SubmissionDisqualified(sub.bountyId, submissionId, reportHash);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    FINALIZATION
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Finalizes a bounty. Anyone may call it:
    /// - in Funding, after the funding deadline: Failed (goal not reached);
    /// - in Funded, once the best qualifying score has stood unbeaten for the challenge window with no
    ///   evaluation pending, or after the delivery deadline once no evaluation is pending (or the challenge window
    ///   after it has passed): Fulfilled if a submission qualifies, else Failed.
    /// @param bountyId The bounty.
    /// @return status The final status.
    function finalize(uint256 bountyId) external nonReentrant returns (Status status) {
        Bounty storage b = _existing(bountyId);
        status = b.status;
        // Check:
        if (status == Status.Funding) {
            if (block.timestamp < b.fundingDeadline) {
                revert BountyBoard_NotFinalizable(bountyId, status, b.fundingDeadline);
            }
            status = Status.Failed;
        } else if (status == Status.Funded) {
            uint256 readyAt = _finalizableAt(b);
            if (block.timestamp < readyAt) revert BountyBoard_NotFinalizable(bountyId, status, readyAt);
            status = b.bestSubmissionId != 0 ? Status.Fulfilled : Status.Failed;
        } else {
            revert BountyBoard_WrongStatus(bountyId, status);
        }

        // Effect:
        b.status = status;
        uint256 fee;
        uint256 payout;
        if (status == Status.Fulfilled) {
            fee = uint256(b.raised) * b.feeBps / BPS;
            payout = b.raised - fee;
            _accruedFees[b.token] += fee;
        }
        emit BountyFinalized(bountyId, status, b.bestSubmissionId, payout, fee);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      REVENUE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Deposits revenue earned by a fulfilled bounty's model, in the bounty's token (approve first). It is
    /// shared pro rata among the bounty's shareholders.
    /// @param bountyId The bounty, Fulfilled.
    /// @param amount The amount to transfer; not zero.
    /// @return received The amount received and distributed.
    function depositRevenue(uint256 bountyId, uint256 amount)
        external
        nonReentrant
        returns (uint256 received)
    {
        Bounty storage b = _existing(bountyId);
        // Check:
        if (b.status != Status.Fulfilled) revert BountyBoard_WrongStatus(bountyId, b.status);
        if (amount == 0) revert BountyBoard_ZeroAmount();
        // Interaction: measured, then accounted (guarded by nonReentrant).
        received = _pull(b.token, msg.sender, amount);
        if (received == 0) revert BountyBoard_NothingReceived(bountyId);
        // Effect: a fulfilled bounty's share supply is its raised amount (refunds never happen there), never 0.
        uint256 perShare = _revenuePerShare[bountyId] + Math.mulDiv(received, REVENUE_PRECISION, b.raised);
        _revenuePerShare[bountyId] = perShare;
        emit RevenueDeposited(bountyId, msg.sender, received, perShare);
    }

    /// @notice Claims the caller's share of a bounty's revenue.
    /// @param bountyId The bounty.
    /// @return amount The amount paid.
    function claimRevenue(uint256 bountyId) external nonReentrant returns (uint256 amount) {
        Bounty storage b = _existing(bountyId);
        uint256 perShare = _revenuePerShare[bountyId];
        // Effect: settle, then zero what is owed.
        if (perShare != 0) {
            _accrueRevenue(msg.sender, bountyId, perShare);
            _resetRevenueDebt(msg.sender, bountyId, perShare);
        }
        amount = _revenueOwed[msg.sender][bountyId];
        if (amount == 0) revert BountyBoard_NothingToWithdraw(bountyId, msg.sender);
        _revenueOwed[msg.sender][bountyId] = 0;
        emit RevenueClaimed(bountyId, msg.sender, amount);
        // Interaction:
        _pay(b.token, msg.sender, amount);
    }

    /// @notice Sends the platform fees accrued in `token` to the fee recipient. Anyone may call this.
    /// @param token The token.
    /// @return amount The amount sent.
    function withdrawFees(address token) external nonReentrant returns (uint256 amount) {
        amount = _accruedFees[token];
        // Check:
        if (amount == 0) revert BountyBoard_NoFees(token);
        // Effect:
        _accruedFees[token] = 0;
        emit FeesWithdrawn(token, _feeRecipient, amount);
        // Interaction:
        _pay(token, _feeRecipient, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       VIEWS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A bounty's full state.
    function getBounty(uint256 bountyId) external view returns (Bounty memory) {
        return _bounties[bountyId];
    }

    /// @notice A submission's state. The URI is in its {CheckpointSubmitted} event.
    function getSubmission(uint256 submissionId) external view returns (Submission memory) {
        return _submissions[submissionId];
    }

    /// @notice A trainer's claim on a bounty.
    function getClaim(uint256 bountyId, address trainer) external view returns (Claim memory) {
        return _claims[bountyId][trainer];
    }

    /// @notice The submission id of `checkpointHash` on a bounty; 0 if none.
    function submissionOf(uint256 bountyId, bytes32 checkpointHash) external view returns (uint256) {
        return _submissionByHash[bountyId][checkpointHash];
    }

    /// @notice How many bounties and submissions exist (ids run from 1 to these).
    function counts() external view returns (uint256 bounties, uint256 submissions) {
        return (_bountyCount, _submissionCount);
    }

    /// @notice Whether `token` may fund new bounties.
    function isTokenAllowed(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    /// @notice The platform fee for new bounties and its recipient.
    function feeConfig() external view returns (uint16 bps, address recipient) {
        return (_feeBps, _feeRecipient);
    }

    /// @notice The earliest time a Funded bounty can be finalized given what is known now (0 if not Funded).
    function finalizableAt(uint256 bountyId) external view returns (uint256) {
        Bounty storage b = _bounties[bountyId];
        return b.status == Status.Funded ? _finalizableAt(b) : 0;
    }

    /// @notice What the winner of a fulfilled bounty can withdraw now.
    function payoutOwed(uint256 bountyId) external view returns (uint256) {
        Bounty storage b = _bounties[bountyId];
        return b.status == Status.Fulfilled ? _payoutTotal(b) - b.payoutWithdrawn : 0;
    }

    /// @notice What `account` can get refunded from a failed or cancelled bounty now.
    function refundable(uint256 bountyId, address account) external view returns (uint256) {
        Status status = _bounties[bountyId].status;
        return status == Status.Failed || status == Status.Cancelled ? balanceOf(account, bountyId) : 0;
    }

    /// @notice The revenue `account` can claim from a bounty now.
    function claimableRevenue(uint256 bountyId, address account) external view returns (uint256) {
        uint256 perShare = _revenuePerShare[bountyId];
        return _revenueOwed[account][bountyId] + _accrued(account, bountyId, perShare);
    }

    /// @notice Cumulative revenue per share of a bounty, scaled by 1e36.
    function revenuePerShare(uint256 bountyId) external view returns (uint256) {
        return _revenuePerShare[bountyId];
    }

    /// @notice Platform fees accrued in `token`, not yet withdrawn.
    function accruedFees(address token) external view returns (uint256) {
        return _accruedFees[token];
    }

    /// @notice Everything the board owes in `token`: escrow, bonds, payouts, fees, revenue. Its balance of `token`
    /// is never below this.
    function liabilities(address token) external view returns (uint256) {
        return _liabilities[token];
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC6909, AccessControl)
        returns (bool)
    {
        return ERC6909.supportsInterface(interfaceId) || AccessControl.supportsInterface(interfaceId);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     INTERNALS
    //////////////////////////////////////////////////////////////////////////*/

    function _existing(uint256 bountyId) private view returns (Bounty storage b) {
        b = _bounties[bountyId];
        if (b.status == Status.None) revert BountyBoard_UnknownBounty(bountyId);
    }

    /// @dev Loads a submission awaiting its verdict and counts it as no longer pending. Reverts if it has one.
    function _openVerdict(uint256 submissionId)
        private
        returns (Submission storage sub, Bounty storage b, Claim storage c)
    {
        sub = _submissions[submissionId];
        if (sub.trainer == address(0)) revert BountyBoard_UnknownSubmission(submissionId);
        if (sub.verdict != Verdict.Pending) revert BountyBoard_AlreadyEvaluated(submissionId, sub.verdict);
        b = _bounties[sub.bountyId];
        c = _claims[sub.bountyId][sub.trainer];
        unchecked {
            // Each submission adds 1 to both counters and is evaluated once.
            b.pendingEvaluations -= 1;
            c.pending -= 1;
        }
    }

    function _fund(uint256 bountyId, uint256 amount) private returns (uint256 credited) {
        Bounty storage b = _bounties[bountyId];
        Status status = b.status;
        // Check:
        if (amount == 0) revert BountyBoard_ZeroAmount();
        if (status != Status.Funding && status != Status.Funded) {
            if (status == Status.None) revert BountyBoard_UnknownBounty(bountyId);
            revert BountyBoard_WrongStatus(bountyId, status);
        }
        if (block.timestamp >= b.fundingDeadline) {
            revert BountyBoard_FundingClosed(bountyId, b.fundingDeadline);
        }
        // Interaction: pull first to measure what arrived; nonReentrant guards the effects that follow.
        credited = _pull(b.token, msg.sender, amount);
        if (credited == 0) revert BountyBoard_NothingReceived(bountyId);
        // Effect:
        uint256 raised = uint256(b.raised) + credited;
        b.raised = _toUint128(raised);
        _mint(msg.sender, bountyId, credited);
        emit Contributed(bountyId, msg.sender, credited, raised);
        if (status == Status.Funding && raised >= b.goal) {
            b.status = Status.Funded;
            emit BountyFunded(bountyId, raised);
        }
    }

    /// @dev Transfers `amount` in and returns the measured balance change, adding it to the liabilities.
    function _pull(address token, address from, uint256 amount) private returns (uint256 received) {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        received = IERC20(token).balanceOf(address(this)) - before;
        _liabilities[token] += received;
    }

    /// @dev Pays `amount` out, never more than the board owes in that token.
    function _pay(address token, address to, uint256 amount) private {
        uint256 owed = _liabilities[token];
        // Check: solvency guard; should never happen.
        if (amount > owed) revert BountyBoard_Insolvent(token, amount, owed);
        // Effect:
        unchecked {
            // amount <= owed, checked above.
            _liabilities[token] = owed - amount;
        }
        // Interaction:
        IERC20(token).safeTransfer(to, amount);
    }

    function _payoutTotal(Bounty storage b) private view returns (uint256) {
        uint256 raised = b.raised;
        return raised - raised * b.feeBps / BPS + b.forfeitedBonds;
    }

    /// @dev Whether `score` of `submissionId` beats the bounty's current best (ties: the earlier submission).
    function _beatsBest(Bounty storage b, uint256 submissionId, int128 score) private view returns (bool) {
        uint256 bestId = b.bestSubmissionId;
        if (bestId == 0) return true;
        int128 bestScore = b.bestScore;
        if (score == bestScore) return submissionId < bestId;
        return b.direction == Direction.HigherIsBetter ? score > bestScore : score < bestScore;
    }

    function _finalizableAt(Bounty storage b) private view returns (uint256) {
        uint256 afterDelivery =
            b.pendingEvaluations == 0 ? b.deliveryDeadline : uint256(b.deliveryDeadline) + b.challengeWindow;
        if (b.bestSubmissionId != 0 && b.pendingEvaluations == 0) {
            uint256 early = uint256(b.bestSince) + b.challengeWindow;
            return early < afterDelivery ? early : afterDelivery;
        }
        return afterDelivery;
    }

    /// @dev Revenue accrued since the last settlement: balance x per-share rounded down, minus the debt rounded up
    /// at that settlement, floored at zero. Rounding both ways against the holder means the board never pays out
    /// more revenue than was deposited, however often shares move.
    function _accrued(address account, uint256 bountyId, uint256 perShare) private view returns (uint256) {
        if (perShare == 0) return 0;
        uint256 gross = Math.mulDiv(balanceOf(account, bountyId), perShare, REVENUE_PRECISION);
        uint256 debt = _revenueDebt[account][bountyId];
        return gross > debt ? gross - debt : 0;
    }

    /// @dev Moves what `account` accrued since its last settlement into what it is owed. The caller then resets
    /// its debt to its (new) balance.
    function _accrueRevenue(address account, uint256 bountyId, uint256 perShare) private {
        uint256 accrued = _accrued(account, bountyId, perShare);
        if (accrued != 0) _revenueOwed[account][bountyId] += accrued;
    }

    function _resetRevenueDebt(address account, uint256 bountyId, uint256 perShare) private {
        _revenueDebt[account][bountyId] =
            Math.mulDiv(balanceOf(account, bountyId), perShare, REVENUE_PRECISION, Math.Rounding.Ceil);
    }

    /// @dev Settles revenue for both sides before shares move, then resets their debts to the new balances.
    /// Revenue exists only for fulfilled bounties, so mints (funding) and burns (refunds) skip this.
    function _update(address from, address to, uint256 id, uint256 amount) internal override {
        uint256 perShare = _bounties[id].status == Status.Fulfilled ? _revenuePerShare[id] : 0;
        if (perShare == 0) return super._update(from, to, id, amount);
        // A transfer to oneself settles that account once, not twice.
        bool distinct = to != from;
        if (from != address(0)) _accrueRevenue(from, id, perShare);
        if (to != address(0) && distinct) _accrueRevenue(to, id, perShare);
        super._update(from, to, id, amount);
        if (from != address(0)) _resetRevenueDebt(from, id, perShare);
        if (to != address(0) && distinct) _resetRevenueDebt(to, id, perShare);
    }

    function _toUint128(uint256 value) private pure returns (uint128) {
        if (value > type(uint128).max) revert BountyBoard_AmountTooLarge(value);
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint128(value); // checked on the line above
    }
}
