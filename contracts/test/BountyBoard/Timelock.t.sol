// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";
import { TimelockController } from "@openzeppelin/contracts/governance/TimelockController.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { TestToken } from "../../src/TestToken.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

/// @notice A TimelockController with one proposer (who may also cancel) and one executor, and helpers to schedule
/// and execute single and batched calls through it.
abstract contract TimelockBase is BountyBoardBase {
    uint256 internal constant MIN_DELAY = 2 days;

    TimelockController internal timelock;
    Account internal proposer;
    Account internal executor;

    function setUp() public virtual override {
        super.setUp();
        proposer = makeAccount("proposer");
        executor = makeAccount("executor");
        address[] memory proposers = new address[](1);
        proposers[0] = proposer.addr;
        address[] memory executors = new address[](1);
        executors[0] = executor.addr;
        // Self-administered: changing the timelock's own roles or delay also needs a scheduled operation.
        timelock = new TimelockController(MIN_DELAY, proposers, executors, address(0));
        vm.label(address(timelock), "timelock");
    }

    function schedule(bytes memory data, bytes32 salt) internal returns (bytes32 operationId) {
        vm.prank(proposer.addr);
        timelock.schedule(address(board), 0, data, bytes32(0), salt, MIN_DELAY);
        return timelock.hashOperation(address(board), 0, data, bytes32(0), salt);
    }

    function execute(bytes memory data, bytes32 salt) internal {
        vm.prank(executor.addr);
        timelock.execute(address(board), 0, data, bytes32(0), salt);
    }

    /// @dev Schedules `data` on the board, waits the minimum delay and executes it.
    function scheduleAndExecute(bytes memory data, bytes32 salt) internal {
        schedule(data, salt);
        vm.warp(block.timestamp + MIN_DELAY);
        execute(data, salt);
    }

    /// @dev The `expectedStates` bitmap of TimelockUnexpectedOperationState for one state.
    function stateBitmap(TimelockController.OperationState state) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(state));
    }
}

/// @notice A DAO that is a TimelockController: its bounty proposals are scheduled operations, the bounty's DAO is
/// the timelock itself, and only the timelock (so only another scheduled operation) can cancel the bounty.
contract TimelockDaoTest is TimelockBase {
    event BountyCreated(
        uint256 indexed bountyId,
        address indexed dao,
        address indexed token,
        BountyBoard.CreateBountyParams params,
        uint16 feeBps
    );

    function setUp() public override {
        super.setUp();
        bytes32 daoRole = board.DAO_ROLE();
        vm.prank(admin.addr);
        board.grantRole(daoRole, address(timelock));
    }

    /// @dev The default bounty, with deadlines counted from when the proposal can execute.
    function proposal() internal view returns (BountyBoard.CreateBountyParams memory p) {
        p = defaultParams();
        // forge-lint: disable-next-line(unsafe-typecast)
        p.fundingDeadline = uint64(block.timestamp + MIN_DELAY + 7 days);
        // forge-lint: disable-next-line(unsafe-typecast)
        p.deliveryDeadline = uint64(block.timestamp + MIN_DELAY + 30 days);
    }

    function proposeBounty() internal returns (uint256 id, BountyBoard.CreateBountyParams memory p) {
        p = proposal();
        scheduleAndExecute(abi.encodeCall(BountyBoard.createBounty, (p, FEE_BPS)), "bounty");
        (id,,) = board.counts();
    }

    function test_ScheduledProposal_CreatesBountyOwnedByTimelock() public {
        BountyBoard.CreateBountyParams memory p = proposal();
        bytes memory data = abi.encodeCall(BountyBoard.createBounty, (p, FEE_BPS));
        bytes32 operationId = schedule(data, "bounty");
        assertTrue(timelock.isOperationPending(operationId));
        vm.warp(block.timestamp + MIN_DELAY);

        vm.expectEmit(true, true, true, true, address(board));
        emit BountyCreated(1, address(timelock), address(token), p, FEE_BPS);
        execute(data, "bounty");

        assertTrue(timelock.isOperationDone(operationId));
        BountyBoard.Bounty memory b = board.getBounty(1);
        assertEq(b.dao, address(timelock));
        assertTrue(b.status == BountyBoard.Status.Funding);
        assertEq(b.specHash, SPEC);
        assertEq(uint256(b.goal), GOAL);
    }

    function test_RevertWhen_ExecutedBeforeMinDelay() public {
        bytes memory data = abi.encodeCall(BountyBoard.createBounty, (proposal(), FEE_BPS));
        bytes32 operationId = schedule(data, "bounty");
        vm.warp(block.timestamp + MIN_DELAY - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operationId,
                stateBitmap(TimelockController.OperationState.Ready)
            )
        );
        execute(data, "bounty");
        (uint256 bounties,,) = board.counts();
        assertEq(bounties, 0);
    }

    function test_RevertWhen_ScheduledWithShorterDelay() public {
        bytes memory data = abi.encodeCall(BountyBoard.createBounty, (proposal(), FEE_BPS));
        vm.expectRevert(
            abi.encodeWithSelector(TimelockController.TimelockInsufficientDelay.selector, 1 days, MIN_DELAY)
        );
        vm.prank(proposer.addr);
        timelock.schedule(address(board), 0, data, bytes32(0), "bounty", 1 days);
    }

    function test_RevertWhen_ScheduledByNonProposer() public {
        bytes memory data = abi.encodeCall(BountyBoard.createBounty, (proposal(), FEE_BPS));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice.addr, timelock.PROPOSER_ROLE()
            )
        );
        vm.prank(alice.addr);
        timelock.schedule(address(board), 0, data, bytes32(0), "bounty", MIN_DELAY);
    }

    function test_RevertWhen_ProposerCallsTheBoardDirectly() public {
        BountyBoard.CreateBountyParams memory p = proposal();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, proposer.addr, board.DAO_ROLE()
            )
        );
        vm.prank(proposer.addr);
        board.createBounty(p, FEE_BPS);
    }

    function test_CancelledOperation_NeverCreatesBounty() public {
        bytes memory data = abi.encodeCall(BountyBoard.createBounty, (proposal(), FEE_BPS));
        bytes32 operationId = schedule(data, "bounty");
        vm.prank(proposer.addr); // proposers are cancellers
        timelock.cancel(operationId);
        vm.warp(block.timestamp + MIN_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operationId,
                stateBitmap(TimelockController.OperationState.Ready)
            )
        );
        execute(data, "bounty");
    }

    /// @dev A proposal is checked when it executes, not when it is scheduled: a funding deadline that passes
    /// during the delay makes the execution revert.
    function test_RevertWhen_FundingDeadlinePassesDuringDelay() public {
        BountyBoard.CreateBountyParams memory p = proposal();
        // forge-lint: disable-next-line(unsafe-typecast)
        p.fundingDeadline = uint64(block.timestamp + MIN_DELAY - 1);
        bytes memory data = abi.encodeCall(BountyBoard.createBounty, (p, FEE_BPS));
        schedule(data, "bounty");
        vm.warp(block.timestamp + MIN_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_FundingDeadlineNotInFuture.selector,
                p.fundingDeadline,
                block.timestamp
            )
        );
        execute(data, "bounty");
    }

    function test_RevertWhen_TimelockLacksDaoRole() public {
        bytes32 daoRole = board.DAO_ROLE();
        vm.prank(admin.addr);
        board.revokeRole(daoRole, address(timelock));
        bytes memory data = abi.encodeCall(BountyBoard.createBounty, (proposal(), FEE_BPS));
        schedule(data, "bounty");
        vm.warp(block.timestamp + MIN_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(timelock), daoRole
            )
        );
        execute(data, "bounty");
    }

    function test_OnlyTimelockCanCancelItsBounty() public {
        (uint256 id,) = proposeBounty();
        fundAs(alice, id, 100e18);

        // Neither the proposer, nor another DAO, nor the board's admin may cancel it directly.
        address[3] memory others = [proposer.addr, dao.addr, admin.addr];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    BountyBoard.BountyBoard_NotBountyDao.selector, id, others[i], address(timelock)
                )
            );
            vm.prank(others[i]);
            board.cancelBounty(id);
        }

        // A scheduled cancellation does, once the delay has passed.
        scheduleAndExecute(abi.encodeCall(BountyBoard.cancelBounty, (id)), "cancel");
        assertTrue(status(id) == BountyBoard.Status.Cancelled);
        vm.prank(alice.addr);
        assertEq(board.refund(id, alice.addr), 100e18);
        assertEq(board.liabilities(address(token)), 0);
    }

    /// @dev The DAO's treasury is the timelock: one batched proposal creates the bounty and seeds it, and the
    /// timelock holds the shares.
    function test_ScheduledBatch_CreatesAndSeedsBounty() public {
        vm.prank(admin.addr);
        token.mint(address(timelock), 250e18);
        (uint256 count,,) = board.counts();
        uint256 id = count + 1;

        address[] memory targets = new address[](3);
        uint256[] memory values = new uint256[](3);
        bytes[] memory payloads = new bytes[](3);
        targets[0] = address(token);
        payloads[0] = abi.encodeCall(token.approve, (address(board), 250e18));
        targets[1] = address(board);
        payloads[1] = abi.encodeCall(BountyBoard.createBounty, (proposal(), FEE_BPS));
        targets[2] = address(board);
        payloads[2] = abi.encodeCall(BountyBoard.fund, (id, 250e18));
        vm.prank(proposer.addr);
        timelock.scheduleBatch(targets, values, payloads, bytes32(0), "seed", MIN_DELAY);
        vm.warp(block.timestamp + MIN_DELAY);
        vm.prank(executor.addr);
        timelock.executeBatch(targets, values, payloads, bytes32(0), "seed");

        assertEq(board.getBounty(id).dao, address(timelock));
        assertEq(board.balanceOf(address(timelock), id), 250e18);
        assertEq(uint256(board.getBounty(id).raised), 250e18);
        assertEq(token.balanceOf(address(timelock)), 0);
        assertEq(board.liabilities(address(token)), 250e18);
    }
}

/// @notice The board's admin is a TimelockController: the deployer hands DEFAULT_ADMIN_ROLE over and renounces it,
/// after which fees, fee recipient, token allowlist and roles change only through scheduled operations.
contract TimelockAdminTest is TimelockBase {
    event FeeUpdated(uint16 previousBps, uint16 newBps);

    function setUp() public override {
        super.setUp();
        bytes32 adminRole = board.DEFAULT_ADMIN_ROLE();
        vm.startPrank(admin.addr);
        board.grantRole(adminRole, address(timelock));
        board.renounceRole(adminRole, admin.addr);
        vm.stopPrank();
    }

    function test_Handover_TimelockIsTheOnlyAdmin() public {
        bytes32 adminRole = board.DEFAULT_ADMIN_ROLE();
        assertTrue(board.hasRole(adminRole, address(timelock)));
        assertFalse(board.hasRole(adminRole, admin.addr));
    }

    function test_SetFee_ThroughScheduledOperation() public {
        uint256 before = createBounty(); // locks in 2.5%
        bytes memory data = abi.encodeCall(BountyBoard.setFee, (500));
        schedule(data, "fee");
        vm.warp(block.timestamp + MIN_DELAY);
        vm.expectEmit(false, false, false, true, address(board));
        emit FeeUpdated(FEE_BPS, 500);
        execute(data, "fee");

        (uint16 bps,) = board.feeConfig();
        assertEq(uint256(bps), 500);
        assertEq(uint256(board.getBounty(before).feeBps), FEE_BPS); // existing bounties keep theirs
        BountyBoard.CreateBountyParams memory p = defaultParams();
        // forge-lint: disable-next-line(unsafe-typecast)
        p.fundingDeadline = uint64(block.timestamp + 7 days);
        // forge-lint: disable-next-line(unsafe-typecast)
        p.deliveryDeadline = uint64(block.timestamp + 30 days);
        // A DAO that accepted at most the old fee is protected from the rise...
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_FeeAboveMax.selector, 500, FEE_BPS));
        createBounty(p);
        // ...and one that accepts the new fee gets it.
        vm.prank(dao.addr);
        assertEq(uint256(board.getBounty(board.createBounty(p, 500)).feeBps), 500);
    }

    function test_RevertWhen_SetFeeDirectly() public {
        bytes32 adminRole = board.DEFAULT_ADMIN_ROLE();
        address[3] memory others = [admin.addr, proposer.addr, executor.addr];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector, others[i], adminRole
                )
            );
            vm.prank(others[i]);
            board.setFee(500);
        }
    }

    function test_RevertWhen_SetFeeExecutedBeforeMinDelay() public {
        bytes memory data = abi.encodeCall(BountyBoard.setFee, (500));
        bytes32 operationId = schedule(data, "fee");
        vm.warp(block.timestamp + MIN_DELAY - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operationId,
                stateBitmap(TimelockController.OperationState.Ready)
            )
        );
        execute(data, "fee");
        (uint16 bps,) = board.feeConfig();
        assertEq(uint256(bps), FEE_BPS);
    }

    function test_RevertWhen_ScheduledFeeAboveMaximum() public {
        bytes memory data = abi.encodeCall(BountyBoard.setFee, (1001));
        schedule(data, "fee");
        vm.warp(block.timestamp + MIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(BountyBoard.BountyBoard_FeeTooHigh.selector, 1001, 1000));
        execute(data, "fee");
    }

    function test_SetFeeRecipient_ThroughScheduledOperation() public {
        address treasury = makeAccount("treasury").addr;
        scheduleAndExecute(abi.encodeCall(BountyBoard.setFeeRecipient, (treasury)), "recipient");
        (, address recipient) = board.feeConfig();
        assertEq(recipient, treasury);
    }

    /// @dev Onboarding a new token and a new DAO is one batched, delayed operation.
    function test_AllowlistAndGrantDao_ThroughScheduledBatch() public {
        TestToken usdc = new TestToken("Test USDC", "TUSDC", 6, admin.addr);
        address newDao = makeAccount("newDao").addr;
        address[] memory targets = new address[](2);
        uint256[] memory values = new uint256[](2);
        bytes[] memory payloads = new bytes[](2);
        targets[0] = address(board);
        payloads[0] = abi.encodeCall(BountyBoard.setTokenAllowed, (address(usdc), true));
        targets[1] = address(board);
        payloads[1] = abi.encodeCall(IAccessControl.grantRole, (board.DAO_ROLE(), newDao));

        vm.prank(proposer.addr);
        timelock.scheduleBatch(targets, values, payloads, bytes32(0), "onboard", MIN_DELAY);
        assertFalse(board.isTokenAllowed(address(usdc)));
        vm.warp(block.timestamp + MIN_DELAY);
        vm.prank(executor.addr);
        timelock.executeBatch(targets, values, payloads, bytes32(0), "onboard");

        assertTrue(board.isTokenAllowed(address(usdc)));
        assertTrue(board.hasRole(board.DAO_ROLE(), newDao));
    }

    function test_RevertWhen_GrantRoleDirectlyByFormerAdmin() public {
        bytes32 daoRole = board.DAO_ROLE();
        bytes32 adminRole = board.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, admin.addr, adminRole
            )
        );
        vm.prank(admin.addr);
        board.grantRole(daoRole, alice.addr);
    }
}
