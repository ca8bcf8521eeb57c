// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

import { TestToken } from "../src/TestToken.sol";
import { BaseTest } from "./Base.t.sol";

contract TestTokenTest is BaseTest {
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    TestToken internal token;

    function setUp() public override {
        super.setUp();
        token = new TestToken("Crowdtrain USD", "ctUSD", 6, admin.addr);
    }

    function test_Decimals_AreConfigurable() public {
        assertEq(token.decimals(), 6);
        assertEq(new TestToken("Eighteen", "E18", 18, admin.addr).decimals(), 18);
    }

    function test_Mint_CreditsRecipient() public {
        vm.prank(admin.addr);
        token.mint(alice.addr, 1_000e6);
        assertEq(token.balanceOf(alice.addr), 1_000e6);
        assertEq(token.totalSupply(), 1_000e6);
    }

    function test_RevertWhen_MintByNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice.addr));
        vm.prank(alice.addr);
        token.mint(alice.addr, 1);
    }

    function test_RevertWhen_MintZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(TestToken.TestToken_InvalidMint.selector, alice.addr, 0));
        vm.prank(admin.addr);
        token.mint(alice.addr, 0);
    }

    function test_RevertWhen_MintToZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(TestToken.TestToken_InvalidMint.selector, address(0), 5));
        vm.prank(admin.addr);
        token.mint(address(0), 5);
    }

    function testFuzz_Permit_SetsAllowance(uint256 value, uint256 deadlineOffset) public {
        deadlineOffset = bound(deadlineOffset, 0, 365 days);
        uint256 deadline = block.timestamp + deadlineOffset;
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, alice.addr, bob.addr, value, 0, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(alice.key, digest);

        token.permit(alice.addr, bob.addr, value, deadline, v, r, s);

        assertEq(token.allowance(alice.addr, bob.addr), value);
        assertEq(token.nonces(alice.addr), 1);
    }
}
