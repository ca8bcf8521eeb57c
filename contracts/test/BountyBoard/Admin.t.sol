// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice constructor, setTokenAllowed, setFee, setFeeRecipient.
contract AdminTest is BountyBoardBase {
    event TokenAllowlistUpdated(address indexed token, bool allowed);
    event FeeUpdated(uint16 previousBps, uint16 newBps);
    event FeeRecipientUpdated(address indexed previousRecipient, address indexed newRecipient);

    function test_Constructor_SetsAdminAndFees() public {
        assertTrue(board.hasRole(board.DEFAULT_ADMIN_ROLE(), admin.addr));
        (uint16 bps, address recipient) = board.feeConfig();
        assertEq(uint256(bps), FEE_BPS);
        assertEq(recipient, feeRecipient.addr);
    }

    function test_RevertWhen_ConstructorFeeTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_FeeTooHigh.selector, 1001, 1000));
        new BountyBoard(admin.addr, feeRecipient.addr, 1001);
    }

    function test_RevertWhen_ConstructorZeroAddress() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        new BountyBoard(address(0), feeRecipient.addr, 0);
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        new BountyBoard(admin.addr, address(0), 0);
    }

    function test_SetTokenAllowed_TogglesAndEmits() public {
        address other = address(0xBEEF);
        vm.expectEmit(true, false, false, true, address(board));
        emit TokenAllowlistUpdated(other, true);
        vm.prank(admin.addr);
        board.setTokenAllowed(other, true);
        assertTrue(board.isTokenAllowed(other));
        vm.prank(admin.addr);
        board.setTokenAllowed(other, false);
        assertFalse(board.isTokenAllowed(other));
    }

    function test_RevertWhen_SetTokenAllowedByNonAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                alice.addr,
                board.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(alice.addr);
        board.setTokenAllowed(address(0xBEEF), true);
    }

    function test_RevertWhen_SetTokenAllowedZeroAddress() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(admin.addr);
        board.setTokenAllowed(address(0), true);
    }

    function test_SetFee_AppliesToNewBountiesOnly() public {
        uint256 before = createBounty();
        vm.expectEmit(false, false, false, true, address(board));
        emit FeeUpdated(FEE_BPS, 1000);
        vm.prank(admin.addr);
        board.setFee(1000);
        uint256 afterChange = createBounty();
        assertEq(uint256(board.getBounty(before).feeBps), FEE_BPS);
        assertEq(uint256(board.getBounty(afterChange).feeBps), 1000);
    }

    function testFuzz_RevertWhen_SetFeeAboveCap(uint16 bps) public {
        bps = uint16(bound(bps, 1001, type(uint16).max));
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_FeeTooHigh.selector, bps, 1000));
        vm.prank(admin.addr);
        board.setFee(bps);
    }

    function test_RevertWhen_SetFeeByNonAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, dao.addr, board.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(dao.addr);
        board.setFee(0);
    }

    function test_SetFeeRecipient_ChangesAndEmits() public {
        vm.expectEmit(true, true, false, true, address(board));
        emit FeeRecipientUpdated(feeRecipient.addr, carol.addr);
        vm.prank(admin.addr);
        board.setFeeRecipient(carol.addr);
        (, address recipient) = board.feeConfig();
        assertEq(recipient, carol.addr);
    }

    function test_RevertWhen_SetFeeRecipientZero() public {
        vm.expectRevert(BountyBoard.BountyBoard_ZeroAddress.selector);
        vm.prank(admin.addr);
        board.setFeeRecipient(address(0));
    }

    function test_RevertWhen_SetFeeRecipientByNonAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, bob.addr, board.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(bob.addr);
        board.setFeeRecipient(bob.addr);
    }

    function test_SupportsInterfaces() public {
        assertTrue(board.supportsInterface(0x0f632fb3)); // IERC6909
        assertTrue(board.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(board.supportsInterface(0xdeadbeef));
    }
}
