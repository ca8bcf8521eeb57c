// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { ERC20 } from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain mintable ERC-20 with configurable decimals, the base of the awkward tokens below.
contract MockERC20 is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, uint8 decimals_) ERC20(name_, name_) {
        _decimals = decimals_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}

/// @notice Burns `feeBps` of every transfer: the receiver gets less than was sent.
contract FeeOnTransferToken is MockERC20 {
    uint256 public immutable feeBps;

    constructor(uint256 feeBps_) MockERC20("FeeOnTransfer", 18) {
        feeBps = feeBps_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value * feeBps / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice Reverts on a zero-value transfer (some real tokens do).
contract RevertOnZeroToken is MockERC20 {
    error ZeroTransfer();

    constructor() MockERC20("RevertOnZero", 18) { }

    function _update(address from, address to, uint256 value) internal override {
        if (value == 0) revert ZeroTransfer();
        super._update(from, to, value);
    }
}

/// @notice Refuses transfers from or to blocked accounts (USDC/USDT-style blocklist).
contract BlocklistToken is MockERC20 {
    mapping(address => bool) public blocked;

    error Blocked(address account);

    constructor() MockERC20("Blocklist", 6) { }

    function setBlocked(address account, bool value) external {
        blocked[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert Blocked(from);
        if (blocked[to]) revert Blocked(to);
        super._update(from, to, value);
    }
}

/// @notice USDT-style: `transfer`, `transferFrom` and `approve` return nothing. Not an ERC20 subclass, since
/// the signatures differ; balances and allowances are kept by hand.
contract NoReturnToken {
    string public constant name = "NoReturn";
    string public constant symbol = "NORET";
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        require(balanceOf[msg.sender] >= amount, "NoReturn: balance");
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }

    function transferFrom(address from, address to, uint256 amount) external {
        require(balanceOf[from] >= amount, "NoReturn: balance");
        require(allowance[from][msg.sender] >= amount, "NoReturn: allowance");
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// @notice Returns false instead of reverting when a transfer cannot happen.
contract ReturnsFalseToken is MockERC20 {
    constructor() MockERC20("ReturnsFalse", 18) { }

    function transfer(address to, uint256 amount) public override returns (bool) {
        if (balanceOf(msg.sender) < amount) return false;
        return super.transfer(to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        if (balanceOf(from) < amount || allowance(from, msg.sender) < amount) return false;
        return super.transferFrom(from, to, amount);
    }
}

/// @notice Calls back into a target (the board) during every transfer, once armed: the re-entrancy attack.
contract ReentrantToken is MockERC20 {
    address public target;
    bytes public payload;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryError;

    constructor() MockERC20("Reentrant", 18) { }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (target != address(0) && !reentered && from != address(0) && to != address(0)) {
            reentered = true;
            (reentrySucceeded, reentryError) = target.call(payload);
        }
    }
}

/// @notice A token whose holders' balances can shrink without a transfer (a rebasing token's negative rebase, a
/// seizure, a bug): {shrink} burns from any account.
contract ShrinkingToken is MockERC20 {
    constructor() MockERC20("Shrinking", 18) { }

    function shrink(address account, uint256 amount) external {
        _burn(account, amount);
    }
}
