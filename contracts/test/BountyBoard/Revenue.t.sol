// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice depositRevenue, claimRevenue and withdrawFees.
contract RevenueTest is BountyBoardBase {
    event RevenueDeposited(
        uint256 indexed bountyId, address indexed from, uint256 amount, uint256 revenuePerShare
    );
    event RevenueClaimed(uint256 indexed bountyId, address indexed account, address to, uint256 amount);
    event FeesWithdrawn(address indexed token, address indexed recipient, uint256 amount);

    uint256 internal id;

    function setUp() public override {
        super.setUp();
        (id,) = fulfilledBounty(); // alice 600, bob 400 shares
    }

    function deposit(uint256 amount) internal returns (uint256) {
        vm.prank(carol.addr);
        return board.depositRevenue(id, amount);
    }

    function test_Deposit_SharesProRata() public {
        vm.expectEmit(true, true, false, true, address(board));
        emit RevenueDeposited(id, carol.addr, 100e18, 100e18 * 1e27 / GOAL);
        assertEq(deposit(100e18), 100e18);
        assertEq(board.claimableRevenue(id, alice.addr), 60e18);
        assertEq(board.claimableRevenue(id, bob.addr), 40e18);
        assertEq(board.revenuePerShare(id), 100e18 * 1e27 / GOAL);
    }

    function test_Claim_PaysToAnyRecipientAndZeroes() public {
        deposit(100e18);
        vm.expectEmit(true, true, false, true, address(board));
        emit RevenueClaimed(id, alice.addr, carol.addr, 60e18);
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id, carol.addr), 60e18);
        assertEq(board.claimableRevenue(id, alice.addr), 0);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, alice.addr)
        );
        vm.prank(alice.addr);
        board.claimRevenue(id, alice.addr);
    }

    function test_Transfer_SettlesBeforeSharesMove() public {
        deposit(100e18);
        vm.prank(alice.addr);
        board.transfer(carol.addr, id, 600e18);
        deposit(100e18);
        assertEq(board.claimableRevenue(id, alice.addr), 60e18);
        assertEq(board.claimableRevenue(id, carol.addr), 60e18);
        assertEq(board.claimableRevenue(id, bob.addr), 80e18);
    }

    function test_SelfTransfer_DoesNotDuplicateRevenue() public {
        deposit(100e18);
        vm.prank(alice.addr);
        board.transfer(alice.addr, id, 0);
        vm.prank(alice.addr);
        board.transfer(alice.addr, id, 300e18);
        assertEq(board.claimableRevenue(id, alice.addr), 60e18);
    }

    /// @dev Each deposit of 1 unit entitles alice to 0.6 and bob to 0.4. Shares moving between deposits settle
    /// the holders each time; entitlements are kept in 1e27 units, so no settlement floors a unit away: after ten
    /// deposits alice can claim 6 and bob 4, the full 10.
    function test_ManyTransfersBetweenDeposits_NoUnitLostPerSettlement() public {
        for (uint256 i; i < 10; ++i) {
            deposit(1);
            vm.prank(alice.addr);
            board.transfer(bob.addr, id, 1);
            vm.prank(bob.addr);
            board.transfer(alice.addr, id, 1);
        }
        assertEq(board.claimableRevenue(id, alice.addr), 6);
        assertEq(board.claimableRevenue(id, bob.addr), 4);
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id, alice.addr), 6);
        vm.prank(bob.addr);
        assertEq(board.claimRevenue(id, bob.addr), 4);
    }

    /// @dev Claims floor, but the remainder stays owed: claiming after every 1-unit deposit loses nothing.
    function test_ClaimRemainderStaysOwed() public {
        uint256 claimed;
        for (uint256 i; i < 5; ++i) {
            deposit(1);
            if (board.claimableRevenue(id, alice.addr) != 0) {
                vm.prank(alice.addr);
                claimed += board.claimRevenue(id, alice.addr);
            }
        }
        assertEq(claimed, 3); // 5 x 0.6
    }

    function testFuzz_Revenue_ClaimsNeverExceedDeposits(uint256[4] memory deposits, uint256[4] memory moves)
        public
    {
        uint256 total;
        for (uint256 i; i < 4; ++i) {
            uint256 amount = bound(deposits[i], 1, 1_000e18);
            total += deposit(amount);
            uint256 moved = bound(moves[i], 0, board.balanceOf(alice.addr, id));
            vm.prank(alice.addr);
            board.transfer(i % 2 == 0 ? carol.addr : bob.addr, id, moved);
        }
        uint256 claimable = board.claimableRevenue(id, alice.addr) + board.claimableRevenue(id, bob.addr)
            + board.claimableRevenue(id, carol.addr);
        assertLte(claimable, total);
        assertGte(claimable + 3, total); // at most one unit of rounding per holder
    }

    function test_RevertWhen_DepositBeforeFulfilled() public {
        (uint256 other,) = verifyingBounty();
        expectWrongStatus(other, BountyBoard.Status.Verifying);
        vm.prank(carol.addr);
        board.depositRevenue(other, 1e18);
    }

    function test_RevertWhen_DepositZero() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAmount.selector);
        deposit(0);
    }

    function test_RevertWhen_ClaimNothing() public {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, carol.addr)
        );
        vm.prank(carol.addr);
        board.claimRevenue(id, carol.addr);
    }

    function test_RevertWhen_ClaimUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 99));
        vm.prank(alice.addr);
        board.claimRevenue(99, alice.addr);
    }

    function test_RevertWhen_ClaimToZero() public {
        deposit(1e18);
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(alice.addr);
        board.claimRevenue(id, address(0));
    }

    function test_Revenue_WorksWhilePaused() public {
        vm.prank(admin.addr);
        board.pause();
        deposit(10e18);
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id, alice.addr), 6e18);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                   WITHDRAW FEES
    //////////////////////////////////////////////////////////////////////////*/

    function test_WithdrawFees_ToTheRecipientByAnyone() public {
        vm.expectEmit(true, true, false, true, address(board));
        emit FeesWithdrawn(address(token), feeRecipient.addr, 25e18);
        vm.prank(carol.addr);
        assertEq(board.withdrawFees(address(token)), 25e18);
        assertEq(token.balanceOf(feeRecipient.addr), 25e18);
        assertEq(board.accruedFees(address(token)), 0);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_NoFees.selector, address(token)));
        board.withdrawFees(address(token));
    }

    function test_WithdrawFees_GoToTheNewRecipient() public {
        vm.prank(admin.addr);
        board.setFeeRecipient(carol.addr);
        board.withdrawFees(address(token));
        assertEq(token.balanceOf(carol.addr), 1_000_000e18 + 25e18);
    }

    function test_WithdrawFees_WorksWhilePaused() public {
        vm.prank(admin.addr);
        board.pause();
        board.withdrawFees(address(token));
    }

    /// @dev Everyone withdraws everything: the board ends empty.
    function test_Everything_DrainsTheBoard() public {
        deposit(100e18);
        vm.startPrank(trainer1.addr);
        board.withdrawPayout(id, trainer1.addr);
        board.withdrawBond(id, trainer1.addr);
        vm.stopPrank();
        vm.prank(alice.addr);
        board.claimRevenue(id, alice.addr);
        vm.prank(bob.addr);
        board.claimRevenue(id, bob.addr);
        board.withdrawFees(address(token));
        assertHeld(0);
    }
}
