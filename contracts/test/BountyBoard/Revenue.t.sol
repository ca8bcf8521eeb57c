// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice depositRevenue, claimRevenue, and share transfers keeping revenue exact.
contract RevenueTest is BountyBoardBase {
    event RevenueDeposited(
        uint256 indexed bountyId, address indexed from, uint256 amount, uint256 revenuePerShare
    );
    event RevenueClaimed(uint256 indexed bountyId, address indexed account, uint256 amount);

    uint256 internal id;

    function setUp() public override {
        super.setUp();
        (id,) = fulfilledBounty(); // alice 600, bob 400
    }

    function deposit(uint256 amount) internal {
        vm.prank(carol.addr);
        board.depositRevenue(id, amount);
    }

    function test_Deposit_SharesProRata() public {
        vm.expectEmit(true, true, false, true, address(board));
        emit RevenueDeposited(id, carol.addr, 100e18, uint256(100e18) * 1e36 / GOAL);
        deposit(100e18);
        assertEq(board.claimableRevenue(id, alice.addr), 60e18);
        assertEq(board.claimableRevenue(id, bob.addr), 40e18);
        assertEq(board.liabilities(address(token)), uint256(GOAL) + BOND + 100e18); // escrow, bond, revenue
    }

    function test_Claim_PaysAndZeroes() public {
        deposit(100e18);
        uint256 before = token.balanceOf(alice.addr);
        vm.expectEmit(true, true, false, true, address(board));
        emit RevenueClaimed(id, alice.addr, 60e18);
        vm.prank(alice.addr);
        assertEq(board.claimRevenue(id), 60e18);
        assertEq(token.balanceOf(alice.addr), before + 60e18);
        assertEq(board.claimableRevenue(id, alice.addr), 0);
        deposit(50e18);
        assertEq(board.claimableRevenue(id, alice.addr), 30e18);
        assertEq(board.claimableRevenue(id, bob.addr), 60e18);
    }

    function test_Transfer_SettlesBeforeSharesMove() public {
        deposit(100e18);
        vm.prank(alice.addr);
        board.transfer(carol.addr, id, 600e18); // alice sells all her shares
        deposit(100e18);
        assertEq(board.claimableRevenue(id, alice.addr), 60e18); // earned before the transfer only
        assertEq(board.claimableRevenue(id, carol.addr), 60e18); // earned after it only
        assertEq(board.claimableRevenue(id, bob.addr), 80e18);
    }

    function test_TransferFrom_SettlesBothSides() public {
        deposit(10e18);
        vm.prank(bob.addr);
        board.approve(carol.addr, id, 100e18);
        vm.prank(carol.addr);
        board.transferFrom(bob.addr, alice.addr, id, 100e18);
        deposit(10e18);
        assertEq(board.claimableRevenue(id, alice.addr), 6e18 + 7e18);
        assertEq(board.claimableRevenue(id, bob.addr), 4e18 + 3e18);
    }

    function testFuzz_Revenue_NeverOverpays(uint256[3] memory deposits, uint256 moved) public {
        moved = bound(moved, 0, 600e18);
        uint256 total;
        for (uint256 i; i < deposits.length; ++i) {
            deposits[i] = bound(deposits[i], 1, 100_000e18);
            total += deposits[i];
            deposit(deposits[i]);
            if (i == 0 && moved != 0) {
                vm.prank(alice.addr);
                board.transfer(carol.addr, id, moved);
            }
        }
        uint256 claimable = board.claimableRevenue(id, alice.addr) + board.claimableRevenue(id, bob.addr)
            + board.claimableRevenue(id, carol.addr);
        assertLte(claimable, total);
        // Rounding dust, always in the board's favour: under one unit per holder from the final floor and under
        // one more from the (rounded-up) debt reset of each holder the transfer touched.
        assertLte(total - claimable, 6);
    }

    /// @dev Rounding regression: many transfers between odd deposits must never let claims exceed deposits.
    function testFuzz_Revenue_ClaimsNeverExceedDepositsAcrossTransfers(uint256 seed) public {
        uint256 deposited;
        uint256 claimed;
        address[3] memory holders = [alice.addr, bob.addr, carol.addr];
        for (uint256 round; round < 12; ++round) {
            uint256 amount = uint256(keccak256(abi.encode(seed, round))) % 1e18 + 1;
            deposit(amount);
            deposited += amount;
            address from = holders[round % 3];
            address to = holders[(round + 1) % 3];
            uint256 balance = board.balanceOf(from, id);
            if (balance > 1) {
                vm.prank(from);
                board.transfer(to, id, balance / 3 + 1);
            }
            address claimer = holders[(round + 2) % 3];
            if (board.claimableRevenue(id, claimer) > 0) {
                vm.prank(claimer);
                claimed += board.claimRevenue(id);
            }
        }
        for (uint256 i; i < holders.length; ++i) {
            claimed += board.claimableRevenue(id, holders[i]);
        }
        assertLte(claimed, deposited);
        assertGte(token.balanceOf(address(board)), board.liabilities(address(token)));
    }

    function test_RevertWhen_DepositBeforeFulfilled() public {
        fundingDeadline = uint64(block.timestamp + 7 days);
        deliveryDeadline = uint64(block.timestamp + 30 days);
        uint256 other = fundedBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, other, BountyBoard.Status.Funded
            )
        );
        vm.prank(carol.addr);
        board.depositRevenue(other, 1e18);
    }

    function test_RevertWhen_DepositZero() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAmount.selector);
        deposit(0);
    }

    function test_RevertWhen_ClaimNothing() public {
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, alice.addr)
        );
        vm.prank(alice.addr);
        board.claimRevenue(id);
        deposit(1e18);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NothingToWithdraw.selector, id, carol.addr)
        );
        vm.prank(carol.addr);
        board.claimRevenue(id);
    }

    function test_RevertWhen_ClaimUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 77));
        vm.prank(alice.addr);
        board.claimRevenue(77);
    }
}
