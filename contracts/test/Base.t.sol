// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { PRBTest } from "@prb/test/PRBTest.sol";

/// @notice The project's Solidity test base: PRBTest assertions and the `vm`
/// cheatcodes, plus named, labelled accounts shared by every suite.
abstract contract BaseTest is PRBTest {
    struct Account {
        address addr;
        uint256 key;
    }

    Account internal admin;
    Account internal alice;
    Account internal bob;

    function setUp() public virtual {
        admin = makeAccount("admin");
        alice = makeAccount("alice");
        bob = makeAccount("bob");
    }

    /// @dev Maps a fuzzed `x` into [min, max] without discarding runs.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "BaseTest: bound min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        // `size + 1` cannot overflow unless the range is the whole uint256, handled here.
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    /// @dev A deterministic account whose private key is derived from its name.
    function makeAccount(string memory name) internal returns (Account memory account) {
        account.key = uint256(keccak256(bytes(name)));
        account.addr = vm.addr(account.key);
        vm.label(account.addr, name);
    }
}
