// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract CancelBountyTest is BountyBoardBase {
    event BountyCancelled(uint256 indexed bountyId, uint128 raised);

    function test_CancelBounty_OpensRefunds() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyCancelled(id, 100e18);
        vm.prank(dao.addr);
        board.cancelBounty(id);
        assertTrue(status(id) == BountyBoard.Status.Cancelled);
        assertEq(board.refundable(id, alice.addr), 100e18);
    }

    function test_CancelBounty_AfterFundingDeadline() public {
        uint256 id = createBounty();
        vm.warp(fundingDeadline + 1);
        vm.prank(dao.addr);
        board.cancelBounty(id);
        assertTrue(status(id) == BountyBoard.Status.Cancelled);
    }

    function test_RevertWhen_CancelByNonDao() public {
        uint256 id = createBounty();
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NotBountyDao.selector, id, alice.addr, dao.addr)
        );
        vm.prank(alice.addr);
        board.cancelBounty(id);
    }

    function test_RevertWhen_CancelFundedBounty() public {
        uint256 id = fundedBounty();
        expectWrongStatus(id, BountyBoard.Status.Funded);
        vm.prank(dao.addr);
        board.cancelBounty(id);
    }

    function test_RevertWhen_CancelTwice() public {
        uint256 id = createBounty();
        vm.startPrank(dao.addr);
        board.cancelBounty(id);
        expectWrongStatus(id, BountyBoard.Status.Cancelled);
        board.cancelBounty(id);
        vm.stopPrank();
    }

    function test_RevertWhen_CancelUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 3));
        vm.prank(dao.addr);
        board.cancelBounty(3);
    }

    function test_CancelBounty_WorksWhilePaused() public {
        uint256 id = createBounty();
        vm.prank(admin.addr);
        board.pause();
        vm.prank(dao.addr);
        board.cancelBounty(id);
        assertTrue(status(id) == BountyBoard.Status.Cancelled);
    }
}
