// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract FundWithPermitTest is BountyBoardBase {
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    function sign(Account memory owner, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, owner.addr, address(board), value, token.nonces(owner.addr), deadline)
        );
        (v, r, s) =
            vm.sign(owner.key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }

    function setUp() public override {
        super.setUp();
        // Permit, not a standing approval, is what these tests exercise.
        vm.prank(alice.addr);
        token.approve(address(board), 0);
    }

    function test_FundWithPermit_FundsInOneCall() public {
        uint256 id = createBounty();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = sign(alice, 100e18, deadline);
        vm.prank(alice.addr);
        uint256 credited = board.fundWithPermit(id, 100e18, deadline, v, r, s);
        assertEq(credited, 100e18);
        assertEq(board.balanceOf(alice.addr, id), 100e18);
        assertEq(token.allowance(alice.addr, address(board)), 0);
    }

    /// @dev The permit covers the amount asked; the board pulls only what the goal still needs.
    function test_FundWithPermit_CapsAtTheGoal() public {
        uint256 id = createBounty();
        fundAs(bob, id, 900e18);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = sign(alice, 500e18, deadline);
        vm.prank(alice.addr);
        assertEq(board.fundWithPermit(id, 500e18, deadline, v, r, s), 100e18);
        assertEq(token.allowance(alice.addr, address(board)), 400e18);
        assertTrue(status(id) == BountyBoard.Status.Funded);
    }

    function test_FundWithPermit_SurvivesFrontRunPermit() public {
        uint256 id = createBounty();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = sign(alice, 100e18, deadline);
        // An attacker submits the permit first: the nonce is spent, the allowance is set.
        vm.prank(carol.addr);
        token.permit(alice.addr, address(board), 100e18, deadline, v, r, s);
        vm.prank(alice.addr);
        assertEq(board.fundWithPermit(id, 100e18, deadline, v, r, s), 100e18);
        assertEq(board.balanceOf(alice.addr, id), 100e18);
    }

    function test_RevertWhen_PermitInvalidAndNoAllowance() public {
        uint256 id = createBounty();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = sign(bob, 100e18, deadline); // bob's signature, alice calls
        vm.expectRevert();
        vm.prank(alice.addr);
        board.fundWithPermit(id, 100e18, deadline, v, r, s);
        assertEq(board.balanceOf(alice.addr, id), 0);
    }

    function test_RevertWhen_PermitUnknownBounty() public {
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_UnknownBounty.selector, 9));
        vm.prank(alice.addr);
        board.fundWithPermit(9, 1, block.timestamp, 0, 0, 0);
    }

    function test_RevertWhen_PermitPaused() public {
        uint256 id = createBounty();
        vm.prank(admin.addr);
        board.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(alice.addr);
        board.fundWithPermit(id, 1, block.timestamp, 0, 0, 0);
    }
}
