// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";

import { BountyBoard } from "../../src/BountyBoard.sol";
import { BountyBoardBase } from "./BountyBoardBase.t.sol";

contract CreateBountyTest is BountyBoardBase {
    event BountyCreated(
        uint256 indexed bountyId,
        address indexed dao,
        address indexed token,
        BountyBoard.CreateBountyParams params,
        uint16 feeBps
    );

    function test_CreateBounty_StoresEveryFieldAndEmits() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        vm.expectEmit(true, true, true, true, address(board));
        emit BountyCreated(1, dao.addr, address(token), p, FEE_BPS);
        uint256 id = createBounty(p);

        assertEq(id, 1);
        BountyBoard.Bounty memory b = board.getBounty(id);
        assertEq(b.token, address(token));
        assertEq(b.dao, dao.addr);
        assertEq(uint256(b.goal), GOAL);
        assertEq(uint256(b.raised), 0);
        assertEq(uint256(b.fundingDeadline), fundingDeadline);
        assertEq(uint256(b.deliveryDeadline), deliveryDeadline);
        assertEq(b.specHash, SPEC);
        assertEq(b.evalSetCommitment, COMMITMENT);
        assertEq(b.metricId, METRIC);
        assertEq(int256(b.targetScore), TARGET);
        assertEq(uint256(b.bond), BOND);
        assertEq(uint256(b.challengeWindow), WINDOW);
        assertEq(uint256(b.feeBps), FEE_BPS);
        assertTrue(b.status == BountyBoard.Status.Funding);
        assertTrue(b.direction == BountyBoard.Direction.HigherIsBetter);
        (uint256 bounties,) = board.counts();
        assertEq(bounties, 1);
    }

    function test_CreateBounty_IdsIncrease() public {
        assertEq(createBounty(), 1);
        assertEq(createBounty(), 2);
    }

    function test_CreateBounty_AllowsZeroBondAndLowerIsBetter() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.bond = 0;
        p.direction = BountyBoard.Direction.LowerIsBetter;
        p.challengeWindow = 0;
        uint256 id = createBounty(p);
        assertEq(uint256(board.getBounty(id).bond), 0);
        assertTrue(board.getBounty(id).direction == BountyBoard.Direction.LowerIsBetter);
    }

    function test_RevertWhen_CallerIsNotDao() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice.addr, board.DAO_ROLE()
            )
        );
        vm.prank(alice.addr);
        board.createBounty(p);
    }

    function test_RevertWhen_TokenNotAllowed() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.token = address(0xBEEF);
        expectCreateRevert(
            p, abi.encodeWithSelector(BountyBoard.BountyBoard_TokenNotAllowed.selector, address(0xBEEF))
        );
    }

    function test_RevertWhen_GoalIsZero() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.goal = 0;
        expectCreateRevert(p, abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroGoal.selector));
    }

    function testFuzz_RevertWhen_FundingDeadlineNotInFuture(uint64 deadline) public {
        deadline = uint64(bound(deadline, 0, block.timestamp));
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.fundingDeadline = deadline;
        expectCreateRevert(
            p,
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_FundingDeadlineNotInFuture.selector, deadline, block.timestamp
            )
        );
    }

    function testFuzz_RevertWhen_DeliveryNotAfterFunding(uint64 delivery) public {
        delivery = uint64(bound(delivery, 0, fundingDeadline));
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.deliveryDeadline = delivery;
        expectCreateRevert(
            p,
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_DeliveryBeforeFunding.selector, fundingDeadline, delivery
            )
        );
    }

    function testFuzz_CreateBounty_AcceptsOrderedFutureDeadlines(uint64 funding, uint64 delivery) public {
        funding = uint64(bound(funding, block.timestamp + 1, type(uint64).max - 1));
        delivery = uint64(bound(delivery, uint256(funding) + 1, type(uint64).max));
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.fundingDeadline = funding;
        p.deliveryDeadline = delivery;
        uint256 id = createBounty(p);
        assertEq(uint256(board.getBounty(id).fundingDeadline), funding);
        assertEq(uint256(board.getBounty(id).deliveryDeadline), delivery);
    }

    function test_RevertWhen_HashesAreZero() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.specHash = 0;
        expectCreateRevert(p, abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "specHash"));
        p = defaultParams();
        p.evalSetCommitment = 0;
        expectCreateRevert(
            p, abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "evalSetCommitment")
        );
        p = defaultParams();
        p.metricId = 0;
        expectCreateRevert(p, abi.encodeWithSelector(BountyBoard.BountyBoard_ZeroHash.selector, "metricId"));
    }

    function test_RevertWhen_ChallengeWindowTooLong() public {
        BountyBoard.CreateBountyParams memory p = defaultParams();
        p.challengeWindow = 30 days + 1;
        expectCreateRevert(
            p,
            abi.encodeWithSelector(
                BountyBoard.BountyBoard_ChallengeWindowTooLong.selector, uint32(30 days + 1), uint32(30 days)
            )
        );
    }

    function test_RevertWhen_DirectionOutOfRange() public {
        bytes memory data = abi.encodeCall(BountyBoard.createBounty, (defaultParams()));
        // The direction is the 9th word of the struct (after the 4-byte selector).
        assembly {
            mstore(add(data, add(36, mul(8, 32))), 2)
        }
        vm.prank(dao.addr);
        (bool ok,) = address(board).call(data);
        assertFalse(ok);
    }

    function expectCreateRevert(BountyBoard.CreateBountyParams memory p, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(dao.addr);
        board.createBounty(p);
    }
}
