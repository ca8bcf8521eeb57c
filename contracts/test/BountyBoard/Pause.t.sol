// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";
import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice pause and unpause: they stop new bounties, funding, claims and commits, never reveals, verdicts,
/// disputes or any withdrawal.
contract PauseTest is BountyBoardBase {
    function test_Pause_TogglesAndStopsEntries() public {
        uint256 id = fundedBounty();
        vm.prank(admin.addr);
        board.pause();
        assertTrue(board.paused());
        BountyBoard.CreateBountyParams memory p = defaultParams();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(dao.addr);
        board.createBounty(p, FEE_BPS);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        claimAs(trainer1, id);
        vm.prank(admin.addr);
        board.unpause();
        assertFalse(board.paused());
        claimAs(trainer1, id);
        commitAs(trainer1, id, keccak256("a"));
    }

    function test_RevertWhen_PauseByNonPauser() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice.addr, board.PAUSER_ROLE()
            )
        );
        vm.prank(alice.addr);
        board.pause();
    }

    function test_RevertWhen_UnpauseByNonPauser() public {
        vm.prank(admin.addr);
        board.pause();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice.addr, board.PAUSER_ROLE()
            )
        );
        vm.prank(alice.addr);
        board.unpause();
    }

    /// @dev A whole lifecycle after the commits runs under pause, and every party exits.
    function test_Pause_NeverBlocksTheRestOfTheLifecycle() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        claimAs(trainer2, id);
        uint256 a = commitAs(trainer1, id, keccak256("a"));
        uint256 b = commitAs(trainer2, id, keccak256("b"));
        vm.prank(admin.addr);
        board.pause();

        revealAs(trainer1, id, keccak256("a"));
        revealAs(trainer2, id, keccak256("b"));
        evaluate(a, WINNING);
        disqualify(b, 0);
        uint256 d1 = disputeAs(disputer, a);
        uint256 d2 = disputeAs(trainer2, b);
        resolve(d1, false, false, 0);
        vm.warp(block.timestamp + ARBITRATION);
        board.expireDispute(d2);
        board.finalize(id);
        revealEvalSet(id);
        vm.warp(block.timestamp + VERIFICATION);
        board.unlockPayout(id);

        vm.startPrank(trainer1.addr);
        board.withdrawPayout(id, trainer1.addr);
        board.withdrawBond(id, trainer1.addr);
        board.withdrawDisputeBond(d1, trainer1.addr);
        vm.stopPrank();
        vm.prank(trainer2.addr);
        board.withdrawDisputeBond(d2, trainer2.addr);
        board.forfeitBond(id, trainer2.addr);
        vm.prank(carol.addr);
        board.depositRevenue(id, 10e18);
        vm.prank(alice.addr);
        board.claimRevenue(id, alice.addr);
        vm.prank(bob.addr);
        board.claimRevenue(id, bob.addr);
        board.withdrawFees(address(token));
        assertHeld(0);
    }
}
