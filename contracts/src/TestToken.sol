// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { ERC20 } from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import { ERC20Permit } from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestToken
/// @notice An EIP-2612 ERC-20 for development chains and tests: backers fund
/// bounties with it on anvil. Only the owner mints. The deployment script
/// deploys it on development chains only; real deployments allowlist real tokens.
contract TestToken is ERC20, ERC20Permit, Ownable {
    /// @notice Thrown when minting to the zero address or minting nothing.
    /// @param to The requested recipient.
    /// @param amount The requested amount.
    error TestToken_InvalidMint(address to, uint256 amount);

    uint8 private immutable _decimals;

    /// @param name_ The token name, also the EIP-712 domain name for permits.
    /// @param symbol_ The token symbol.
    /// @param decimals_ The number of decimals (e.g. 18, or 6 for a USDC-like token).
    /// @param owner_ The account allowed to mint.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address owner_)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
        Ownable(owner_)
    {
        _decimals = decimals_;
    }

    /// @notice Mints `amount` tokens to `to`. Owner only.
    /// @param to The recipient; not the zero address.
    /// @param amount The amount in base units; not zero.
    function mint(address to, uint256 amount) external onlyOwner {
        // Check:
        if (to == address(0) || amount == 0) revert TestToken_InvalidMint(to, amount);
        // Effect:
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}
