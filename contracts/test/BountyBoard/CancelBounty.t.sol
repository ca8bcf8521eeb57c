// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract CancelBountyTest is BountyBoardBase {
    event BountyCancelled(uint256 indexed bountyId, uint128 raised);

    function test_Cancel_OpensRefunds() public {
        uint256 id = createBounty();
        fundAs(alice, id, 100e18);
        vm.expectEmit(true, false, false, true, address(board));
        emit BountyCancelled(id, 100e18);
        vm.prank(dao.addr);
        board.cancelBounty(id);
        assertTrue(status(id) == BountyBoard.Status.Cancelled);
        assertEq(board.refundable(id, alice.addr), 100e18);
    }

    function test_RevertWhen_CancelByOtherDao() public {
        uint256 id = createBounty();
        vm.startPrank(admin.addr);
        board.grantRole(board.DAO_ROLE(), carol.addr);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(BountyBoard.BountyBoard_NotBountyDao.selector, id, carol.addr, dao.addr)
        );
        vm.prank(carol.addr);
        board.cancelBounty(id);
    }

    function test_RevertWhen_CancelAfterGoalReached() public {
        uint256 id = fundedBounty();
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Funded
            )
        );
        vm.prank(dao.addr);
        board.cancelBounty(id);
    }

    function test_RevertWhen_CancelTwice() public {
        uint256 id = createBounty();
        vm.prank(dao.addr);
        board.cancelBounty(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_WrongStatus.selector, id, BountyBoard.Status.Cancelled
            )
        );
        vm.prank(dao.addr);
        board.cancelBounty(id);
    }

    function test_RevertWhen_CancelUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 42));
        vm.prank(dao.addr);
        board.cancelBounty(42);
    }
}
