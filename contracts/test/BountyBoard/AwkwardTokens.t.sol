// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import {
    BlocklistToken,
    FeeOnTransferToken,
    NoReturnToken,
    ReentrantToken,
    ReturnsFalseToken,
    RevertOnZeroToken,
    ShrinkingToken
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
        address[7] memory holders =
            [alice.addr, bob.addr, carol.addr, disputer.addr, trainer1.addr, trainer2.addr, trainer3.addr];
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

    /// @dev The default bounty in `awk`: goal 1000, bond 10, dispute bond 4 (whole tokens).
    function awkParams() internal view returns (BountyBoard.CreateBountyParams memory p) {
        p = defaultParams();
        p.token = awk;
        // forge-lint: disable-next-line(unsafe-typecast)
        p.goal = uint128(1000 * u); // u is at most 1e18
        // forge-lint: disable-next-line(unsafe-typecast)
        p.bond = uint128(10 * u);
        // forge-lint: disable-next-line(unsafe-typecast)
        p.disputeBond = uint128(4 * u);
    }

    /// @dev Funded by alice (600) and bob (400), claimed by trainer1 and trainer2; trainer1's submission scores
    /// 0.90 (winner), trainer2's is disqualified. Finalized, the eval set revealed, the payout unlocked.
    function fulfilledAwkBounty() internal returns (uint256 id) {
        id = createBounty(awkParams());
        fundAs(alice, id, 600 * u);
        fundAs(bob, id, 400 * u);
        claimAs(trainer1, id);
        claimAs(trainer2, id);
        evaluate(submitAs(trainer1, id, keccak256("ckpt-1")), WINNING);
        disqualify(submitAs(trainer2, id, keccak256("ckpt-2")), 0);
        finalizeWhenReady(id);
        revealEvalSet(id);
        vm.warp(block.timestamp + VERIFICATION);
        board.unlockPayout(id);
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
    function assertAwkHeld(uint256 expected) internal {
        assertEq(board.liabilities(awk), expected, "liabilities");
        assertEq(bal(address(board)), expected, "board balance");
    }

    /// @dev For a token without transfer fees: a fulfilled bounty pays the winner 975 and its bond (10), shares
    /// trainer2's forfeited bond (10) and 100 of revenue 60/40 between alice and bob, and a 25 fee; every payment
    /// is exact and the board ends empty.
    function assertFullLifecycleIsExact() internal {
        uint256 id = fulfilledAwkBounty();
        assertAwkHeld(1000 * u + 20 * u); // escrow + two bonds
        board.forfeitBond(id, trainer2.addr);
        vm.prank(carol.addr);
        assertEq(board.depositRevenue(id, 100 * u), 100 * u);
        assertAwkHeld(1120 * u);

        uint256 before = bal(trainer1.addr);
        vm.startPrank(trainer1.addr);
        assertEq(board.withdrawPayout(id, trainer1.addr), 975 * u);
        board.withdrawBond(id, trainer1.addr);
        vm.stopPrank();
        assertEq(bal(trainer1.addr), before + 985 * u, "winner");

        before = bal(alice.addr);
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id, alice.addr), 66 * u);
        assertEq(bal(alice.addr), before + 66 * u, "alice");
        vm.prank(bob.addr);
        assertEq(board.claimRevenue(id, bob.addr), 44 * u);

        assertEq(board.withdrawFees(awk), 25 * u);
        assertEq(bal(feeRecipient.addr), 25 * u, "fees");
        assertAwkHeld(0);
    }

    /// @dev Refunds of a cancelled bounty return exactly what each backer paid, and the board ends empty.
    function assertRefundsAreExact() internal {
        uint256 id = cancelledAwkBounty();
        assertAwkHeld(150 * u);
        uint256 before = bal(bob.addr);
        vm.prank(bob.addr);
        assertEq(board.refund(id, bob.addr), 50 * u);
        assertEq(bal(bob.addr), before + 50 * u);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 100 * u);
        assertAwkHeld(0);
    }

    /// @dev A disputed, upheld, then withdrawn dispute bond and reward are exact.
    function assertDisputeMoneyIsExact() internal {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u);
        claimAs(trainer1, id);
        uint256 sub = submitAs(trainer1, id, keccak256("ckpt-1"));
        evaluate(sub, WINNING);
        uint256 d = disputeAs(disputer, sub);
        assertAwkHeld(1014 * u);
        resolve(d, true, true, 0);
        vm.prank(disputer.addr);
        assertEq(board.withdrawDisputeBond(d, disputer.addr), 9 * u); // 4 + half of 10
        assertAwkHeld(1005 * u);
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
        // The goal counts what arrived: 990 of 1000.
        assertTrue(status(id) == BountyBoard.Status.Funding);
        assertAwkHeld(990 * u);
        // The cap asks for the 10 missing; 9.9 arrive.
        assertEq(fundAs(bob, id, 1000 * u), 99 * u / 10);
        assertAwkHeld(9999 * u / 10);
    }

    function test_Refund_PaysBackExactlyTheShares() public {
        uint256 id = cancelledAwkBounty(); // credited 99 and 49.5
        assertAwkHeld(1485 * u / 10);
        uint256 before = bal(alice.addr);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 99 * u);
        assertEq(bal(alice.addr), before + 99 * u - 99 * u / 100); // the token takes 1% on the way out
        vm.prank(bob.addr);
        assertEq(board.refund(id, bob.addr), 495 * u / 10);
        assertAwkHeld(0);
    }

    function test_ClaimAndDispute_PostWhatArrived() public {
        BountyBoard.CreateBountyParams memory p = awkParams();
        p.allowOverfunding = true;
        uint256 id = createBounty(p);
        fundAs(alice, id, 2000 * u); // 1980 arrive
        claimAs(trainer1, id);
        assertEq(uint256(board.getClaim(id, trainer1.addr).bond), 99 * u / 10);
        uint256 sub = submitAs(trainer1, id, keccak256("ckpt-1"));
        evaluate(sub, LOSING);
        uint256 d = disputeAs(disputer, sub);
        assertEq(uint256(board.getDispute(d).bond), 396 * u / 100);
        assertAwkHeld(1980 * u + 99 * u / 10 + 396 * u / 100);
        resolve(d, false, false, 0);
        vm.prank(trainer1.addr);
        assertEq(board.withdrawDisputeBond(d, trainer1.addr), 396 * u / 100);
        assertAwkHeld(1980 * u + 99 * u / 10);
    }

    function test_PayoutRevenueAndFees_DrainTheBoardExactly() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u); // 990 arrive
        fundAs(bob, id, 1000 * u); // capped at 10; 9.9 arrive
        fundAs(bob, id, 1000 * u); // capped at 0.1; 0.099 arrive
        vm.warp(fundingDeadline);
        board.finalize(id);
        assertTrue(status(id) == BountyBoard.Status.Failed);
        vm.prank(alice.addr);
        board.refund(id, alice.addr);
        vm.prank(bob.addr);
        board.refund(id, bob.addr);
        assertAwkHeld(0);
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

    function test_DisputeMoney_IsExact() public {
        assertDisputeMoneyIsExact();
    }

    function test_Decimals_AreTheTokens() public {
        assertEq(uint256(board.decimals(createBounty(awkParams()))), 6);
    }

    function test_RevertWhen_FundWithoutAllowance() public {
        uint256 id = createBounty(awkParams());
        approveAwk(alice.addr, 0);
        vm.expectRevert(bytes("NoReturn: allowance"));
        fundAs(alice, id, 1 * u);
        assertAwkHeld(0);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                                 RETURNS FALSE
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token that returns false instead of reverting: SafeERC20 turns every false into a revert.
contract ReturnsFalseTokenTest is AwkwardTokenBase {
    function deployToken() internal override returns (address) {
        return address(new ReturnsFalseToken());
    }

    function test_BondPayoutRevenueAndFees_AreExact() public {
        assertFullLifecycleIsExact();
    }

    function test_RevertWhen_FundTransferReturnsFalse() public {
        uint256 id = createBounty(awkParams());
        approveAwk(alice.addr, 0);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, awk));
        fundAs(alice, id, 1 * u);
        assertEq(board.balanceOf(alice.addr, id), 0);
    }

    function test_RevertWhen_DisputeBondTransferReturnsFalse() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u);
        claimAs(trainer1, id);
        uint256 sub = submitAs(trainer1, id, keccak256("ckpt-1"));
        evaluate(sub, WINNING);
        approveAwk(disputer.addr, 0);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, awk));
        disputeAs(disputer, sub);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                              REVERTS ON ZERO
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token reverting on zero-value transfers: zero bonds, zero dispute bonds and a zero fee never move 0.
contract RevertOnZeroTokenTest is AwkwardTokenBase {
    function deployToken() internal override returns (address) {
        return address(new RevertOnZeroToken());
    }

    function test_ZeroBondsZeroFeeLifecycle_NeverTransfersZero() public {
        vm.prank(admin.addr);
        board.setFee(0);
        BountyBoard.CreateBountyParams memory p = awkParams();
        p.bond = 0;
        p.disputeBond = 0;
        vm.prank(dao.addr);
        uint256 id = board.createBounty(p, 0);
        fundAs(alice, id, 1000 * u);
        claimAs(trainer1, id);
        uint256 sub = submitAs(trainer1, id, keccak256("ckpt-1"));
        evaluate(sub, WINNING);
        uint256 d = disputeAs(disputer, sub);
        resolve(d, false, false, 0);
        finalizeWhenReady(id);
        vm.warp(block.timestamp + REVEAL);
        board.unlockPayout(id);
        vm.prank(trainer1.addr);
        assertEq(board.withdrawPayout(id, trainer1.addr), 1000 * u);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NoFees.selector, awk));
        board.withdrawFees(awk);
        assertAwkHeld(0);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                                   BLOCKLIST
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token that refuses transfers to blocked accounts (USDC-style): every payment is pulled by its
/// beneficiary to a recipient of their choice, so a blocked account moves its money through another address and
/// never locks anyone else's.
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

    function test_BlockedBacker_RefundsToAnotherAddress() public {
        uint256 id = cancelledAwkBounty();
        bt.setBlocked(alice.addr, true);
        vm.prank(alice.addr);
        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, alice.addr));
        board.refund(id, alice.addr);
        vm.prank(bob.addr);
        board.refund(id, bob.addr); // others unaffected
        vm.prank(alice.addr);
        assertEq(board.refund(id, carol.addr), 100 * u);
        assertEq(bal(carol.addr), 1_000_100 * u);
        assertAwkHeld(0);
    }

    function test_BlockedWinner_PaidToAnotherAddress() public {
        uint256 id = fulfilledAwkBounty();
        bt.setBlocked(trainer1.addr, true);
        vm.startPrank(trainer1.addr);
        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, trainer1.addr));
        board.withdrawPayout(id, trainer1.addr);
        assertEq(board.withdrawPayout(id, carol.addr), 975 * u);
        board.withdrawBond(id, carol.addr);
        vm.stopPrank();
        assertEq(bal(carol.addr), 1_000_000 * u + 985 * u);
        board.forfeitBond(id, trainer2.addr);
        vm.prank(alice.addr);
        board.claimRevenue(id, alice.addr);
        vm.prank(bob.addr);
        board.claimRevenue(id, bob.addr);
        board.withdrawFees(awk);
        assertAwkHeld(0);
    }

    function test_BlockedDisputer_PaidToAnotherAddress() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u);
        claimAs(trainer1, id);
        uint256 sub = submitAs(trainer1, id, keccak256("ckpt-1"));
        evaluate(sub, WINNING);
        uint256 d = disputeAs(disputer, sub);
        resolve(d, true, true, 0);
        bt.setBlocked(disputer.addr, true);
        vm.prank(disputer.addr);
        assertEq(board.withdrawDisputeBond(d, carol.addr), 9 * u);
    }

    /// @dev The fee recipient is blocked: the admin points fees elsewhere; nobody else is affected.
    function test_BlockedFeeRecipient_AdminRedirectsTheFees() public {
        uint256 id = fulfilledAwkBounty();
        bt.setBlocked(feeRecipient.addr, true);
        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, feeRecipient.addr));
        board.withdrawFees(awk);
        vm.prank(trainer1.addr);
        board.withdrawPayout(id, trainer1.addr);
        vm.prank(admin.addr);
        board.setFeeRecipient(carol.addr);
        assertEq(board.withdrawFees(awk), 25 * u);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                                 RE-ENTRANCY
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token calling back into the board during a transfer: every entry point is `nonReentrant`.
contract ReentrantTokenTest is AwkwardTokenBase {
    ReentrantToken internal rt;

    function deployToken() internal override returns (address) {
        rt = new ReentrantToken();
        return address(rt);
    }

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

    function test_BondPayoutRevenueAndFees_AreExact() public {
        assertFullLifecycleIsExact();
    }

    function test_Fund_ReentryIntoFinalizeFails() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 500 * u);
        vm.warp(fundingDeadline - 1);
        arm(abi.encodeCall(BountyBoard.finalize, (id)));
        vm.warp(fundingDeadline - 1);
        fundAs(bob, id, 100 * u);
        assertReentryBlocked();
        assertAwkHeld(600 * u);
    }

    function test_Refund_ReentryFails() public {
        uint256 id = cancelledAwkBounty();
        arm(abi.encodeCall(BountyBoard.refund, (id, address(rt))));
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 100 * u);
        assertReentryBlocked();
        assertAwkHeld(50 * u);
    }

    function test_WithdrawDisputeBond_ReentryFails() public {
        uint256 id = createBounty(awkParams());
        fundAs(alice, id, 1000 * u);
        claimAs(trainer1, id);
        uint256 sub = submitAs(trainer1, id, keccak256("ckpt-1"));
        evaluate(sub, WINNING);
        uint256 d = disputeAs(disputer, sub);
        resolve(d, true, true, 0);
        arm(abi.encodeCall(BountyBoard.withdrawDisputeBond, (d, address(rt))));
        vm.prank(disputer.addr);
        board.withdrawDisputeBond(d, disputer.addr);
        assertReentryBlocked();
    }

    function test_ClaimRevenue_ReentryFails() public {
        uint256 id = fulfilledAwkBounty();
        vm.prank(carol.addr);
        board.depositRevenue(id, 100 * u);
        arm(abi.encodeCall(BountyBoard.claimRevenue, (id, address(rt))));
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id, alice.addr), 60 * u);
        assertReentryBlocked();
        assertEq(board.claimableRevenue(id, bob.addr), 40 * u);
    }
}

/*//////////////////////////////////////////////////////////////////////////
                              SHRINKING BALANCE
//////////////////////////////////////////////////////////////////////////*/

/// @notice A token whose balance at the board shrinks (a negative rebase, a seizure): the board owes more than it
/// holds. Rather than let the last withdrawers take the whole loss, every inflow and every outflow of that token
/// reverts with `BountyBoard_Insolvent` until the balance is topped up; bookkeeping without transfers goes on.
contract ShrinkingTokenTest is AwkwardTokenBase {
    ShrinkingToken internal st;
    uint256 internal funding;
    uint256 internal fulfilled;
    uint256 internal disputeId;
    uint256 internal cancelled;

    function deployToken() internal override returns (address) {
        st = new ShrinkingToken();
        return address(st);
    }

    function setUp() public override {
        super.setUp();
        fulfilled = fulfilledAwkBounty();
        vm.prank(carol.addr);
        board.depositRevenue(fulfilled, 100 * u);
        BountyBoard.CreateBountyParams memory p = awkParams();
        p.fundingDeadline = uint64(block.timestamp + 7 days);
        p.deliveryDeadline = uint64(block.timestamp + 30 days);
        funding = createBounty(p);
        fundAs(alice, funding, 1000 * u);
        claimAs(trainer3, funding);
        uint256 sub = submitAs(trainer3, funding, keccak256("x"));
        evaluate(sub, WINNING);
        disputeId = disputeAs(disputer, sub);
        resolve(disputeId, true, false, WINNING); // corrected: the disputer's bond is theirs to withdraw
        cancelled = cancelledAwkBounty();
        st.shrink(address(board), 1);
    }

    function expectInsolvent() internal {
        uint256 owed = board.liabilities(awk);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_Insolvent.selector, awk, owed - 1, owed)
        );
    }

    function test_EveryOutflowReverts() public {
        expectInsolvent();
        vm.prank(trainer1.addr);
        board.withdrawPayout(fulfilled, trainer1.addr);
        expectInsolvent();
        vm.prank(trainer1.addr);
        board.withdrawBond(fulfilled, trainer1.addr);
        expectInsolvent();
        vm.prank(alice.addr);
        board.claimRevenue(fulfilled, alice.addr);
        expectInsolvent();
        board.withdrawFees(awk);
        expectInsolvent();
        vm.prank(disputer.addr);
        board.withdrawDisputeBond(disputeId, disputer.addr);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NoSurplus.selector, awk));
        vm.prank(admin.addr);
        board.sweep(awk, admin.addr);
    }

    function test_RefundReverts() public {
        expectInsolvent();
        vm.prank(alice.addr);
        board.refund(cancelled, alice.addr);
    }

    /// @dev New money is refused too: it would be taken to cover the old shortfall.
    function test_EveryInflowReverts() public {
        uint256 owed = board.liabilities(awk);
        uint256 fresh = createBounty(awkParams());
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_Insolvent.selector, awk, owed + 5 * u - 1, owed + 5 * u
            )
        );
        fundAs(bob, fresh, 5 * u);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_Insolvent.selector, awk, owed + 10 * u - 1, owed + 10 * u
            )
        );
        claimAs(trainer1, funding);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_Insolvent.selector, awk, owed + 7 * u - 1, owed + 7 * u
            )
        );
        vm.prank(carol.addr);
        board.depositRevenue(fulfilled, 7 * u);
    }

    function test_ToppedUp_EverythingResumes() public {
        st.mint(address(board), 1);
        vm.prank(trainer1.addr);
        board.withdrawPayout(fulfilled, trainer1.addr);
        vm.prank(alice.addr);
        board.claimRevenue(fulfilled, alice.addr);
        fundAs(bob, createBounty(awkParams()), 5 * u);
    }
}
