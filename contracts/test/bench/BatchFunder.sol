// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";

/// @notice Benchmark helper (bench/indexer.ts): one backer that funds many bounties in one transaction, so tens
/// of thousands of real board events (Contributed + share Transfer per call) can be mined in seconds.
contract BatchFunder {
    BountyBoard public immutable board;

    constructor(BountyBoard board_, IERC20 token) {
        board = board_;
        token.approve(address(board_), type(uint256).max);
    }

    /// @notice Funds each of `ids` with `amount`.
    function fundMany(uint256[] calldata ids, uint256 amount) external {
        for (uint256 i; i < ids.length; ++i) {
            board.fund(ids[i], amount);
        }
    }
}
