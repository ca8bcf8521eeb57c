// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract ClaimTest is BountyBoardBase {
    event BountyClaimed(uint256 indexed bountyId, address indexed trainer, uint128 bond);

    function test_Claim_PostsBond() public {
        uint256 id = fundedBounty();
        uint256 before = token.balanceOf(trainer1.addr);
        vm.expectEmit(true, true, false, true, address(board));
        emit BountyClaimed(id, trainer1.addr, BOND);
        claimAs(trainer1, id);
        BountyBoard.Claim memory c = board.getClaim(id, trainer1.addr);
        assertEq(uint256(c.bond), BOND);
        assertTrue(c.bondState == BountyBoard.BondState.Posted);
        assertEq(token.balanceOf(trainer1.addr), before - BOND);
        assertHeld(GOAL + BOND);
    }

    function test_Claim_SeveralTrainers() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        claimAs(trainer2, id);
        assertHeld(GOAL + 2 * BOND);
    }

    function test_Claim_ZeroBond() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.bond = 0;
        uint256 id = createBounty(p);
        fundAs(alice, id, GOAL);
        vm.prank(trainer1.addr);
        token.approve(address(board), 0);
        claimAs(trainer1, id);
        assertTrue(bondState(id, trainer1.addr) == BountyBoard.BondState.Posted);
        assertHeld(GOAL);
    }

    function test_RevertWhen_ClaimTwice() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_AlreadyClaimed.selector, id, trainer1.addr)
        );
        claimAs(trainer1, id);
    }

    function test_RevertWhen_ClaimWhileFunding() public {
        uint256 id = createBounty();
        expectWrongStatus(id, BountyBoard.Status.Funding);
        claimAs(trainer1, id);
    }

    function test_RevertWhen_ClaimAfterDeliveryDeadline() public {
        uint256 id = fundedBounty();
        vm.warp(deliveryDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_DeliveryClosed.selector, id, deliveryDeadline)
        );
        claimAs(trainer1, id);
    }

    function test_RevertWhen_ClaimUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 4));
        claimAs(trainer1, 4);
    }

    function test_RevertWhen_ClaimPaused() public {
        uint256 id = fundedBounty();
        vm.prank(admin.addr);
        board.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        claimAs(trainer1, id);
    }

    function test_RevertWhen_ClaimWithoutAllowance() public {
        uint256 id = fundedBounty();
        vm.prank(trainer1.addr);
        token.approve(address(board), 0);
        vm.expectRevert();
        claimAs(trainer1, id);
    }
}
