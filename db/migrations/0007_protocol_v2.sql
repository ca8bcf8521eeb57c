-- Protocol v2 (docs/decisions/016-protocol-v2.md): a v1 board's events do not decode with the v2 ABI and
-- its projection has no value for the new NOT NULL columns, so the chain projection is emptied (as
-- resetChainProjection does); the indexer backfills it from the v2 board's deployment block.
DELETE FROM "board_events";--> statement-breakpoint
DELETE FROM "contributions";--> statement-breakpoint
DELETE FROM "share_transfers";--> statement-breakpoint
DELETE FROM "claims";--> statement-breakpoint
DELETE FROM "submissions";--> statement-breakpoint
DELETE FROM "evaluations";--> statement-breakpoint
DELETE FROM "payments";--> statement-breakpoint
DELETE FROM "bounties";--> statement-breakpoint
DELETE FROM "backers";--> statement-breakpoint
DELETE FROM "roles";--> statement-breakpoint
DELETE FROM "indexed_blocks";--> statement-breakpoint
DELETE FROM "effects_outbox";--> statement-breakpoint
DELETE FROM "indexer_state";--> statement-breakpoint
CREATE TABLE "disputes" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"dispute_id" numeric(78, 0) NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"submission_id" numeric(78, 0) NOT NULL,
	"disputer" text NOT NULL,
	"bond" numeric(78, 0) NOT NULL,
	"reason_hash" text NOT NULL,
	"opened_at" numeric(78, 0) NOT NULL,
	"deadline" numeric(78, 0) NOT NULL,
	"outcome" text NOT NULL,
	"score" numeric(78, 0),
	"report_hash" text,
	"reward" numeric(78, 0) NOT NULL,
	"resolve_tx" text,
	"resolved_at" numeric(78, 0),
	"withdrawn" boolean NOT NULL,
	"withdraw_tx" text,
	CONSTRAINT "disputes_chain_id_dispute_id_pk" PRIMARY KEY("chain_id","dispute_id")
);
--> statement-breakpoint
ALTER TABLE "contributions" ALTER COLUMN "raised_after" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "checkpoint_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "uri" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "arbiter" text NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "dispute_bond" numeric(78, 0) NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "reveal_period" integer NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "evaluation_period" integer NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "verification_period" integer NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "allow_overfunding" boolean NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "finalized_at" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "eval_set_revealed_at" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "eval_set_sha256" text;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "eval_set_salt" text;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "eval_set_uri" text;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "unlock_at" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "open_disputes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "payout" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "fee" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "evaluations" ADD COLUMN "copy_of" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "recipient" text;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "commitment" text NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "committed_at" numeric(78, 0) NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "revealed_at" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "reveal_tx" text;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "reveal_block" bigint;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "copy_of" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "board_events" ADD COLUMN "block_time" numeric(78, 0);--> statement-breakpoint
CREATE INDEX "disputes_bounty_idx" ON "disputes" USING btree ("chain_id","bounty_id");--> statement-breakpoint
CREATE INDEX "disputes_submission_idx" ON "disputes" USING btree ("chain_id","submission_id");--> statement-breakpoint
CREATE INDEX "disputes_block_idx" ON "disputes" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "disputes_open_idx" ON "disputes" USING btree ("chain_id","outcome","deadline");--> statement-breakpoint
CREATE INDEX "submissions_checkpoint_idx" ON "submissions" USING btree ("chain_id","checkpoint_hash");--> statement-breakpoint
ALTER TABLE "submissions" DROP COLUMN "submitted_at";