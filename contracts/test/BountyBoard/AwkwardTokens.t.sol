// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { TestToken } from "../../src/TestToken.sol";
import {
    BlocklistToken,
    FeeOnTransferToken,
    NoReturnToken,
    ReentrantToken,
    ReturnsFalseToken,
    RevertOnZeroToken
} from "../mocks/AwkwardTokens.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

interface IMintable {
    function mint(address to, uint256 amount) external;
}

/// @notice Shared set-up for the awkward-token suites: the board of {BountyBoardBase} with one awkward token `awk`
/// allowlisted, minted to every actor and approved, and a full lifecycle whose every amount is asserted.
abstract contract AwkwardTokenBase is BountyBoardBase {
    address internal awk;
    /// @dev One whole token in base units.
    uint256 internal u;

    /// @dev Deploys the token under test; the test contract must be able to mint it.
    function deployToken() internal virtual returns (address);

    function setUp() public virtual override {
        super.setUp();
        awk = deployToken();
        vm.label(awk, "awk");
        (bool ok, bytes memory decimals) = awk.staticcall(abi.encodeWithSignature("decimals()"));
        require(ok, "decimals() failed");
        u = 10 ** abi.decode(decimals, (uint8));
        vm.prank(admin.addr);
        board.setTokenAllowed(awk, true);
        address[5] memory holders = [alice.addr, bob.addr, carol.addr, trainer1.addr, trainer2.addr];
        for (uint256 i; i < holders.length; ++i) {
            IMintable(awk).mint(holders[i], 1_000_000 * u);
            approveAwk(holders[i], type(uint256).max);
        }
    }

    /// @dev `approve` by a low-level call, so tokens that return nothing (USDT) work too.
    function approveAwk(address holder, uint256 amount) internal {
        vm.prank(holder);
        (bool ok,) = awk.call(abi.encodeWithSelector(IERC20.approve.selector, address(board), amount));
        require(ok, "approve failed");
    }

    function bal(address account) internal view returns (uint256) {
        return IERC20(awk).balanceOf(account);
    }

    function held() internal view returns (uint256) {
        return bal(address(board));
    }

    /// @dev The default bounty in `awk`: goal 1000, bond 10 (whole tokens).
    function awkParams() internal view returns (BountyBoard.CreateBountyParams memory p) {
        p = defaultParams();
        p.token = awk;
        // forge-lint: disable-next-line(unsafe-typecast)
        p.goal = uint128(1000 * u); // u is at most 1e18
        // forge-lint: disable-next-line(unsafe-typecast)
        p.bond = uint128(10 * u);
    }

    /// @dev Funded by alice (600) and bob (400), claimed by trainer1 and trainer2; trainer1's submission scores
    /// 0.90 (winner), trainer2's is disqualified. Then finalized as Fulfilled.
    function fulfilledAwkBounty() internal returns (uint256 id) {
        id = createBounty(awkParams());
        fundAs(alice, id, 600 * u);
        fundAs(bob, id, 400 * u);
        claimAs(trainer1, id);
        claimAs(trainer2, id);
        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), 90e16);
        uint256 sub2 = submitAs(trainer2, id, keccak256("ckpt-2"));
        vm.prank(evaluator.addr);
        board.disqualifySubmission(sub2, keccak256("copy"));
        vm.warp(deliveryDeadline);
        board.finalize(id);
        assertTrue(status(id) == BountyBoard.Status.Fulfilled);
    }

    /// @dev Funded by alice (100) and bob (50), then cancelled by the DAO.
    function cancelledAwkBounty() internal returns (uint256 id) {
        id = createBounty(awkParams());
        fundAs(alice, id, 100 * u);
        fundAs(bob, id, 50 * u);
        vm.prank(dao.addr);
        board.cancelBounty(id);
    }

    /// @dev The board's balance of `awk` equals its liabilities, which equal `expected`.
    function assertHeld(uint256 expected) internal {
        assertEq(board.liabilities(awk), expected, "liabilities");
        assertEq(held(), expected, "board balance");
    }

    /// @dev For a token without transfer fees: a fulfilled bounty pays the winner 975 + trainer2's forfeited bond
    /// (10), the winner's bond (10), revenue 60/40 to alice/bob, and a 25 fee; every payment is exact and the board
    /// ends empty.
    function assertFullLifecycleIsExact() internal {
        uint256 id = fulfilledAwkBounty();
        assertHeld(1000 * u + 20 * u); // escrow + two bonds
        vm.prank(carol.addr);
        board.forfeitBond(id, trainer2.addr);
        vm.prank(carol.addr);
        assertEq(board.depositRevenue(id, 100 * u), 100 * u);
        assertHeld(1120 * u);

        uint256 before = bal(trainer1.addr);
        vm.startPrank(trainer1.addr);
        assertEq(board.withdrawPayout(id), 985 * u);
        board.withdrawBond(id);
        vm.stopPrank();
        assertEq(bal(trainer1.addr), before + 995 * u, "winner");

        before = bal(alice.addr);
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id), 60 * u);
        assertEq(bal(alice.addr), before + 60 * u, "alice");
        before = bal(bob.addr);
        vm.prank(bob.addr);
        assertEq(board.claimRevenue(id), 40 * u);
        assertEq(bal(bob.addr), before + 40 * u, "bob");

        assertEq(board.withdrawFees(awk), 25 * u);
        assertEq(bal(feeRecipient.addr), 25 * u, "fees");
        assertHeld(0);
    }

    /// @dev Refunds of a cancelled bounty return exactly what each backer paid, and the board ends empty.
    function assertRefundsAreExact() internal {
        uint256 id = cancelledAwkBounty();
        assertHeld(150 * u);
        uint256 before = bal(bob.addr);
        vm.prank(bob.addr);
        assertEq(board.refund(id), 50 * u);
        assertEq(bal(bob.addr), before + 50 * u);
        before = bal(alice.addr);
        vm.prank(alice.addr);
        assertEq(board.refund(id), 100 * u);
        assertEq(bal(alice.addr), before + 100 * u);
        assertHeld(0);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                                FEE ON TRANSFER
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token burning 1% of every transfer: the board credits what arrived and pays out what it owes; the
/// recipient bears the token's fee on the way out.
contract FeeOnTransferTokenTest is AwkwardTokenBase {
    function deployToken() internal override returns (address) {
        return address(new FeeOnTransferToken(100));
    }

    function test_Fund_CreditsWhatArrived() public {
        uint256 id = createBounty(awkParams());
        uint256 before = bal(alice.addr);
        assertEq(fundAs(alice, id, 1000 * u), 990 * u);
        assertEq(bal(alice.addr), before - 1000 * u);
        assertEq(board.balanceOf(alice.addr, id), 990 * u);
        assertEq(uint256(board.getBounty(id).raised), 990 * u);
        // The goal counts what arrived: 990 of 1000.
        assertTrue(status(id) == BountyBoard.Status.Funding);
        assertHeld(990 * u);
    }

    function test_Refund_PaysBackExactlyTheShares() public {
        uint256 id = cancelledAwkBounty(); // credited 99 and 49.5
        assertHeld(1485 * u / 10);
        uint256 before = bal(alice.addr);
        vm.prank(alice.addr);
        assertEq(board.refund(id), 99 * u);
        assertEq(bal(alice.addr), before + 99 * u - 99 * u / 100); // the token takes 1% on the way out
        assertHeld(495 * u / 10);
        vm.prank(bob.addr);
        assertEq(board.refund(id), 495 * u / 10);
        assertHeld(0);
    }

    function test_Claim_PostsTheBondThatArrived() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 2000 * u); // 1980 arrive
        claimAs(trainer1, id);
        assertEq(uint256(board.getClaim(id, trainer1.addr).bond), 99 * u / 10);
        assertHeld(1980 * u + 99 * u / 10);

        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), 10e16); // scored, not qualifying
        uint256 before = bal(trainer1.addr);
        vm.prank(trainer1.addr);
        board.withdrawBond(id);
        assertEq(bal(trainer1.addr), before + 99 * u / 10 - 99 * u / 1000);
        assertHeld(1980 * u);
    }

    function test_PayoutRevenueAndFees_DrainTheBoardExactly() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1200 * u); // 1188 arrive
        fundAs(bob, id, 800 * u); // 792 arrive
        claimAs(trainer1, id); // 9.9 arrive
        claimAs(trainer2, id); // 9.9 arrive
        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), 90e16);
        uint256 sub2 = submitAs(trainer2, id, keccak256("ckpt-2"));
        vm.prank(evaluator.addr);
        board.disqualifySubmission(sub2, keccak256("copy"));
        vm.warp(deliveryDeadline);
        board.finalize(id);
        board.forfeitBond(id, trainer2.addr);
        vm.prank(carol.addr);
        assertEq(board.depositRevenue(id, 100 * u), 99 * u);
        assertHeld(1980 * u + 198 * u / 10 + 99 * u);

        // Fee 2.5% of 1980 = 49.5; payout 1930.5 + forfeited 9.9.
        assertEq(board.accruedFees(awk), 495 * u / 10);
        vm.startPrank(trainer1.addr);
        assertEq(board.withdrawPayout(id), 19404 * u / 10);
        board.withdrawBond(id);
        vm.stopPrank();
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id), 594 * u / 10); // 1188 / 1980 of 99
        vm.prank(bob.addr);
        assertEq(board.claimRevenue(id), 396 * u / 10);
        assertEq(board.withdrawFees(awk), 495 * u / 10);
        assertEq(bal(feeRecipient.addr), 495 * u / 10 - 495 * u / 1000);
        assertHeld(0);
    }

    function test_RevertWhen_TransferFeeTakesEverything() public {
        FeeOnTransferToken burnsAll = new FeeOnTransferToken(10_000);
        vm.prank(admin.addr);
        board.setTokenAllowed(address(burnsAll), true);
        BountyBoard.CreateBountyParams memory p = awkParams();
        p.token = address(burnsAll);
        uint256 id = createBounty(p);
        burnsAll.mint(alice.addr, 100 * u);
        vm.prank(alice.addr);
        burnsAll.approve(address(board), type(uint256).max);

        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NothingReceived.selector, id));
        fundAs(alice, id, 100 * u);
        assertEq(board.liabilities(address(burnsAll)), 0);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                         NO RETURN VALUE (USDT-STYLE)
//////////////////////////////////////////////////////////////////////////*/

/// @notice A 6-decimal token whose `transfer`, `transferFrom` and `approve` return nothing: SafeERC20 accepts the
/// empty return data.
contract NoReturnTokenTest is AwkwardTokenBase {
    function deployToken() internal override returns (address) {
        return address(new NoReturnToken());
    }

    function test_FundAndRefund_AreExact() public {
        assertRefundsAreExact();
    }

    function test_BondPayoutRevenueAndFees_AreExact() public {
        assertFullLifecycleIsExact();
    }

    function test_RevertWhen_FundWithoutAllowance() public {
        uint256 id = createBounty(awkParams());
        approveAwk(alice.addr, 0);
        vm.expectRevert(bytes("NoReturn: allowance"));
        fundAs(alice, id, 1 * u);
        assertEq(board.balanceOf(alice.addr, id), 0);
        assertHeld(0);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                                 RETURNS FALSE
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token that returns false instead of reverting: SafeERC20 turns every false into a revert, so a
/// failed pull never credits shares, a bond or revenue.
contract ReturnsFalseTokenTest is AwkwardTokenBase {
    function deployToken() internal override returns (address) {
        return address(new ReturnsFalseToken());
    }

    function test_FundAndRefund_AreExact() public {
        assertRefundsAreExact();
    }

    function test_BondPayoutRevenueAndFees_AreExact() public {
        assertFullLifecycleIsExact();
    }

    function test_RevertWhen_FundTransferReturnsFalse() public {
        uint256 id = createBounty(awkParams());
        approveAwk(alice.addr, 1 * u - 1);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, awk));
        fundAs(alice, id, 1 * u);
        assertEq(board.balanceOf(alice.addr, id), 0);
        assertEq(uint256(board.getBounty(id).raised), 0);
        assertHeld(0);
    }

    function test_RevertWhen_BondTransferReturnsFalse() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u);
        approveAwk(trainer1.addr, 0);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, awk));
        claimAs(trainer1, id);
        assertTrue(board.getClaim(id, trainer1.addr).bondState == BountyBoard.BondState.None);
        assertHeld(1000 * u);
    }

    function test_RevertWhen_RevenueTransferReturnsFalse() public {
        uint256 id = fulfilledAwkBounty();
        approveAwk(carol.addr, 0);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, awk));
        vm.prank(carol.addr);
        board.depositRevenue(id, 100 * u);
        assertEq(board.revenuePerShare(id), 0);
        assertHeld(1020 * u);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                                  6 DECIMALS
//////////////////////////////////////////////////////////////////////////*/

/// @notice A USDC-like token with 6 decimals: the same exact accounting, and the roundings (fee, revenue per
/// share) never pay out more than was put in.
contract SixDecimalsTokenTest is AwkwardTokenBase {
    function deployToken() internal override returns (address) {
        return address(new TestToken("Test USDC", "TUSDC", 6, address(this)));
    }

    function test_Decimals() public {
        assertEq(u, 1e6);
    }

    function test_FundAndRefund_AreExact() public {
        assertRefundsAreExact();
    }

    function test_BondPayoutRevenueAndFees_AreExact() public {
        assertFullLifecycleIsExact();
    }

    function test_Fee_RoundsDownAndPayoutTakesTheRest() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u + 3); // fee 2.5% of 1_000_000_003 = 25_000_000.075
        claimAs(trainer1, id);
        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), 90e16);
        vm.warp(deliveryDeadline);
        board.finalize(id);
        assertEq(board.accruedFees(awk), 25_000_000);
        assertEq(board.payoutOwed(id), 975_000_003);
        vm.prank(trainer1.addr);
        board.withdrawPayout(id);
        board.withdrawFees(awk);
        assertHeld(10 * u); // the winner's bond, still posted
    }

    /// @dev Revenue in a few base units against shares in millions of them: each holder gets their pro-rata share
    /// rounded down, the dust stays in the board, and nothing is paid twice.
    function testFuzz_Revenue_DustNeverOverpays(uint256[4] memory deposits, uint256 moved) public {
        uint256 id = fulfilledAwkBounty();
        moved = bound(moved, 0, 600 * u);
        uint256 total;
        for (uint256 i; i < deposits.length; ++i) {
            deposits[i] = bound(deposits[i], 1, 1000);
            total += deposits[i];
            vm.prank(carol.addr);
            board.depositRevenue(id, deposits[i]);
            if (i == 1) {
                vm.prank(alice.addr);
                board.transfer(carol.addr, id, moved);
            }
        }
        uint256 claimable = board.claimableRevenue(id, alice.addr) + board.claimableRevenue(id, bob.addr)
            + board.claimableRevenue(id, carol.addr);
        assertLte(claimable, total, "revenue overpaid");
        // Each holder's final floor and each debt rounded up at the transfer cost under one unit each: 3 + 2.
        assertGte(claimable + 5, total, "too much dust");
        assertEq(board.liabilities(awk), 1020 * u + total);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                                   RE-ENTRANT
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token that calls back into the board during a transfer: every payment and pull is `nonReentrant`, so
/// the callback fails with `ReentrancyGuardReentrantCall()` and the outer call completes with exact accounting.
contract ReentrantTokenTest is AwkwardTokenBase {
    ReentrantToken internal rt;

    function deployToken() internal override returns (address) {
        rt = new ReentrantToken();
        return address(rt);
    }

    /// @dev Arms the token: its next transfer calls `payload` on the board.
    function arm(bytes memory payload) internal {
        rt.arm(address(board), payload);
    }

    function assertReentryBlocked() internal {
        assertTrue(rt.reentered(), "no re-entry attempted");
        assertFalse(rt.reentrySucceeded(), "re-entry succeeded");
        assertEq(
            rt.reentryError(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector),
            "re-entry did not fail on the guard"
        );
    }

    function test_Fund_ReentryFails() public {
        uint256 id = createBounty(awkParams());
        arm(abi.encodeCall(BountyBoard.fund, (id, 1)));
        assertEq(fundAs(alice, id, 100 * u), 100 * u);
        assertReentryBlocked();
        assertEq(board.balanceOf(alice.addr, id), 100 * u);
        assertEq(uint256(board.getBounty(id).raised), 100 * u);
        assertHeld(100 * u);
    }

    /// @dev Regression: `finalize` used to be callable from a token callback in the middle of `fund` (it is
    /// permissionless, and `_fund` checks the status before pulling the tokens). Now every state-changing entry
    /// point is `nonReentrant`. Before the fix:
    /// A funded bounty whose best score has stood for the challenge window can be finalized before its funding
    /// deadline, while `fund` still accepts money. A token that calls back during the pull (or an ERC-777 token's
    /// `tokensToSend` hook on the backer) can finalize the bounty mid-`fund`: it becomes Fulfilled with the fee taken
    /// on 1000, then `fund` adds 100 to `raised` and mints 100 shares anyway. The payout is computed on 1100
    /// (1072.5) but the fee stays 25, so 2.5 (the fee on the late 100) is owed to nobody and locked for good:
    /// liabilities 1110, owed 1107.5.
    function test_Fund_ReentryIntoFinalizeFails() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u);
        claimAs(trainer1, id);
        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), 90e16);
        vm.warp(block.timestamp + WINDOW); // finalizable early, and funding still open
        arm(abi.encodeCall(BountyBoard.finalize, (id)));

        fundAs(bob, id, 100 * u);

        assertReentryBlocked();
        assertTrue(status(id) == BountyBoard.Status.Funded);
        assertEq(uint256(board.getBounty(id).raised), 1100 * u);
        // Finalized afterwards, everything the board holds is owed to someone: payout + fee + bond.
        board.finalize(id);
        assertEq(
            board.payoutOwed(id) + board.accruedFees(awk) + 10 * u, board.liabilities(awk), "funds locked"
        );
    }

    function test_Refund_ReentryFails() public {
        uint256 id = cancelledAwkBounty();
        arm(abi.encodeCall(BountyBoard.refund, (id)));
        uint256 before = bal(alice.addr);
        vm.prank(alice.addr);
        assertEq(board.refund(id), 100 * u);
        assertReentryBlocked();
        assertEq(bal(alice.addr), before + 100 * u);
        assertEq(board.balanceOf(alice.addr, id), 0);
        assertHeld(50 * u); // bob's refund, still owed
    }

    function test_Claim_ReentryFails() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u);
        arm(abi.encodeCall(BountyBoard.claim, (id)));
        claimAs(trainer1, id);
        assertReentryBlocked();
        assertEq(uint256(board.getClaim(id, trainer1.addr).bond), 10 * u);
        assertTrue(board.getClaim(id, address(rt)).bondState == BountyBoard.BondState.None); // no claim by re-entry
        assertHeld(1010 * u);
    }

    function test_WithdrawPayout_ReentryFails() public {
        uint256 id = fulfilledAwkBounty();
        arm(abi.encodeCall(BountyBoard.withdrawPayout, (id)));
        vm.prank(trainer1.addr);
        assertEq(board.withdrawPayout(id), 975 * u);
        assertReentryBlocked();
        assertEq(board.payoutOwed(id), 0);
        assertHeld(25 * u + 20 * u); // fee and both bonds
    }

    function test_WithdrawBond_ReentryFails() public {
        uint256 id = fulfilledAwkBounty();
        arm(abi.encodeCall(BountyBoard.withdrawBond, (id)));
        vm.prank(trainer1.addr);
        board.withdrawBond(id);
        assertReentryBlocked();
        assertTrue(board.getClaim(id, trainer1.addr).bondState == BountyBoard.BondState.Returned);
        assertHeld(1000 * u + 10 * u); // escrow (payout + fee) and trainer2's bond
    }

    function test_DepositRevenue_ReentryFails() public {
        uint256 id = fulfilledAwkBounty();
        arm(abi.encodeCall(BountyBoard.claimRevenue, (id)));
        vm.prank(carol.addr);
        assertEq(board.depositRevenue(id, 100 * u), 100 * u);
        assertReentryBlocked();
        assertEq(board.claimableRevenue(id, alice.addr), 60 * u);
        assertHeld(1120 * u);
    }

    function test_ClaimRevenue_ReentryFails() public {
        uint256 id = fulfilledAwkBounty();
        vm.prank(carol.addr);
        board.depositRevenue(id, 100 * u);
        arm(abi.encodeCall(BountyBoard.claimRevenue, (id)));
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id), 60 * u);
        assertReentryBlocked();
        assertEq(board.claimableRevenue(id, alice.addr), 0);
        assertEq(board.claimableRevenue(id, bob.addr), 40 * u);
        assertHeld(1060 * u);
    }

    function test_WithdrawFees_ReentryFails() public {
        fulfilledAwkBounty();
        arm(abi.encodeCall(BountyBoard.withdrawFees, (awk)));
        assertEq(board.withdrawFees(awk), 25 * u);
        assertReentryBlocked();
        assertEq(board.accruedFees(awk), 0);
        assertEq(bal(feeRecipient.addr), 25 * u);
        assertHeld(975 * u + 20 * u);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                                   BLOCKLIST
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token that refuses transfers to blocked accounts (USDC-style): since every payment is pulled by its
/// own beneficiary, a blocked backer, winner, trainer or fee recipient only ever locks their own funds.
contract BlocklistTokenTest is AwkwardTokenBase {
    BlocklistToken internal bt;

    function deployToken() internal override returns (address) {
        bt = new BlocklistToken();
        return address(bt);
    }

    function test_FundAndRefund_AreExact() public {
        assertRefundsAreExact();
    }

    function test_BondPayoutRevenueAndFees_AreExact() public {
        assertFullLifecycleIsExact();
    }

    function test_BlockedBacker_DoesNotBlockOtherRefunds() public {
        uint256 id = cancelledAwkBounty();
        bt.setBlocked(alice.addr, true);

        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, alice.addr));
        vm.prank(alice.addr);
        board.refund(id);

        uint256 before = bal(bob.addr);
        vm.prank(bob.addr);
        assertEq(board.refund(id), 50 * u);
        assertEq(bal(bob.addr), before + 50 * u);
        assertHeld(100 * u); // alice's refund, still owed to her
        assertEq(board.refundable(id, alice.addr), 100 * u);
    }

    function test_BlockedBacker_CanRefundThroughAnotherAddress() public {
        uint256 id = cancelledAwkBounty();
        bt.setBlocked(alice.addr, true);
        address fresh = makeAccount("alice-fresh").addr;

        vm.prank(alice.addr);
        board.transfer(fresh, id, 100 * u); // shares are not the token: they still move
        vm.prank(fresh);
        assertEq(board.refund(id), 100 * u);
        assertEq(bal(fresh), 100 * u);
        vm.prank(bob.addr);
        board.refund(id);
        assertHeld(0);
    }

    function test_BlockedWinner_DoesNotBlockBackersTrainersOrFees() public {
        uint256 id = fulfilledAwkBounty();
        vm.prank(carol.addr);
        board.depositRevenue(id, 100 * u);
        bt.setBlocked(trainer1.addr, true);

        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, trainer1.addr));
        vm.prank(trainer1.addr);
        board.withdrawPayout(id);

        // Everyone else is paid in full.
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id), 60 * u);
        vm.prank(bob.addr);
        assertEq(board.claimRevenue(id), 40 * u);
        assertEq(board.withdrawFees(awk), 25 * u);
        board.forfeitBond(id, trainer2.addr);
        // What is left is exactly the winner's: payout with trainer2's forfeited bond, and the winner's bond.
        assertEq(board.payoutOwed(id), 985 * u);
        assertHeld(985 * u + 10 * u);

        // Once unblocked, the winner gets it all.
        bt.setBlocked(trainer1.addr, false);
        vm.startPrank(trainer1.addr);
        board.withdrawPayout(id);
        board.withdrawBond(id);
        vm.stopPrank();
        assertHeld(0);
    }

    function test_BlockedTrainer_DoesNotBlockTheWinner() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u);
        claimAs(trainer1, id);
        claimAs(trainer2, id);
        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), 90e16);
        evaluate(submitAs(trainer2, id, keccak256("ckpt-2")), 85e16); // scored: bond returnable
        vm.warp(deliveryDeadline);
        board.finalize(id);
        bt.setBlocked(trainer2.addr, true);

        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, trainer2.addr));
        vm.prank(trainer2.addr);
        board.withdrawBond(id);

        vm.startPrank(trainer1.addr);
        assertEq(board.withdrawPayout(id), 975 * u);
        board.withdrawBond(id);
        vm.stopPrank();
        board.withdrawFees(awk);
        assertHeld(10 * u); // trainer2's bond, still theirs
    }

    function test_BlockedFeeRecipient_AdminRedirectsTheFees() public {
        uint256 id = fulfilledAwkBounty();
        bt.setBlocked(feeRecipient.addr, true);

        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, feeRecipient.addr));
        board.withdrawFees(awk);

        vm.prank(trainer1.addr);
        assertEq(board.withdrawPayout(id), 975 * u); // unaffected

        address treasury = makeAccount("treasury").addr;
        vm.prank(admin.addr);
        board.setFeeRecipient(treasury);
        assertEq(board.withdrawFees(awk), 25 * u);
        assertEq(bal(treasury), 25 * u);
        assertHeld(20 * u); // the two bonds
    }
}

/*//////////////////////////////////////////////////////////////////////////
                               REVERT ON ZERO
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token that reverts on zero-value transfers: the board never makes one. A zero fee, a zero bond, and
/// revenue too small to give anyone a unit all end in the board's own errors, never the token's.
contract RevertOnZeroTokenTest is AwkwardTokenBase {
    function deployToken() internal override returns (address) {
        return address(new RevertOnZeroToken());
    }

    function test_FundAndRefund_AreExact() public {
        assertRefundsAreExact();
    }

    function test_BondPayoutRevenueAndFees_AreExact() public {
        assertFullLifecycleIsExact();
    }

    function test_ZeroFeeZeroBondLifecycle_NeverTransfersZero() public {
        vm.prank(admin.addr);
        board.setFee(0);
        BountyBoard.CreateBountyParams memory p = awkParams();
        p.bond = 0;
        uint256 id = createBounty(p);
        fundAs(alice, id, 600 * u);
        fundAs(bob, id, 400 * u);
        claimAs(trainer1, id); // no bond: nothing pulled
        claimAs(trainer2, id);
        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), 90e16);
        uint256 sub2 = submitAs(trainer2, id, keccak256("ckpt-2"));
        vm.prank(evaluator.addr);
        board.disqualifySubmission(sub2, keccak256("copy"));
        vm.warp(deliveryDeadline);
        board.finalize(id);
        assertHeld(1000 * u);

        // No fee, no bond: the board's own errors, before any transfer.
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NoFees.selector, awk));
        board.withdrawFees(awk);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotReturnable.selector,
                id,
                trainer1.addr,
                BountyBoard.BondState.Posted
            )
        );
        vm.prank(trainer1.addr);
        board.withdrawBond(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_BondNotForfeitable.selector,
                id,
                trainer2.addr,
                BountyBoard.BondState.Posted
            )
        );
        board.forfeitBond(id, trainer2.addr);

        // 1 base unit of revenue over 1000 tokens of shares: nobody gets a unit yet.
        vm.prank(carol.addr);
        board.depositRevenue(id, 1);
        assertEq(board.claimableRevenue(id, alice.addr), 0);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, alice.addr)
        );
        vm.prank(alice.addr);
        board.claimRevenue(id);

        vm.startPrank(trainer1.addr);
        assertEq(board.withdrawPayout(id), 1000 * u);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, trainer1.addr)
        );
        board.withdrawPayout(id);
        vm.stopPrank();
        assertHeld(1); // the revenue unit, as dust
    }

    function test_RefundWithoutShares_FailsOnTheBoard() public {
        uint256 id = cancelledAwkBounty();
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, carol.addr)
        );
        vm.prank(carol.addr);
        board.refund(id);
        assertHeld(150 * u);
    }
}
