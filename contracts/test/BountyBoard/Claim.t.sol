// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

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
        assertEq(board.liabilities(address(token)), GOAL + BOND);
    }

    function test_Claim_WithZeroBondTransfersNothing() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.bond = 0;
        uint256 id = createBounty(p);
        fundAs(alice, id, GOAL);
        uint256 before = token.balanceOf(trainer1.addr);
        claimAs(trainer1, id);
        assertEq(token.balanceOf(trainer1.addr), before);
        assertTrue(board.getClaim(id, trainer1.addr).bondState == BountyBoard.BondState.Posted);
    }

    function test_Claim_SeveralTrainers() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        claimAs(trainer2, id);
        assertEq(board.liabilities(address(token)), GOAL + 2 * BOND);
    }

    function test_RevertWhen_ClaimTwice() public {
        uint256 id = fundedBounty();
        claimAs(trainer1, id);
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_AlreadyClaimed.selector, id, trainer1.addr)
        );
        claimAs(trainer1, id);
    }

    function test_RevertWhen_ClaimUnfunded() public {
        uint256 id = createBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Funding
            )
        );
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

    function test_RevertWhen_ClaimUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 3));
        claimAs(trainer1, 3);
    }
}
