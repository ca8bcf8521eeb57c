CREATE TABLE "backers" (
	"chain_id" integer NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"account" text NOT NULL,
	"contributed" numeric(78, 0) NOT NULL,
	"refunded" numeric(78, 0) NOT NULL,
	"shares" numeric(78, 0) NOT NULL,
	CONSTRAINT "backers_chain_id_bounty_id_account_pk" PRIMARY KEY("chain_id","bounty_id","account")
);
--> statement-breakpoint
CREATE TABLE "bounties" (
	"chain_id" integer NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"dao" text NOT NULL,
	"token" text NOT NULL,
	"goal" numeric(78, 0) NOT NULL,
	"funding_deadline" numeric(78, 0) NOT NULL,
	"delivery_deadline" numeric(78, 0) NOT NULL,
	"spec_hash" text NOT NULL,
	"eval_set_commitment" text NOT NULL,
	"metric_id" text NOT NULL,
	"target_score" numeric(78, 0) NOT NULL,
	"direction" text NOT NULL,
	"bond" numeric(78, 0) NOT NULL,
	"challenge_window" integer NOT NULL,
	"fee_bps" integer NOT NULL,
	"status" text NOT NULL,
	"raised" numeric(78, 0) NOT NULL,
	"backer_count" integer NOT NULL,
	"best_submission_id" numeric(78, 0),
	"best_score" numeric(78, 0),
	"created_block" bigint NOT NULL,
	"created_tx" text NOT NULL,
	CONSTRAINT "bounties_chain_id_bounty_id_pk" PRIMARY KEY("chain_id","bounty_id")
);
--> statement-breakpoint
CREATE TABLE "claims" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"trainer" text NOT NULL,
	"bond" numeric(78, 0) NOT NULL,
	"bond_state" text NOT NULL,
	CONSTRAINT "claims_chain_id_bounty_id_trainer_pk" PRIMARY KEY("chain_id","bounty_id","trainer")
);
--> statement-breakpoint
CREATE TABLE "contributions" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"backer" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"raised_after" numeric(78, 0) NOT NULL,
	CONSTRAINT "contributions_chain_id_tx_hash_log_index_pk" PRIMARY KEY("chain_id","tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"submission_id" numeric(78, 0) NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"verdict" text NOT NULL,
	"score" numeric(78, 0),
	"report_hash" text NOT NULL,
	"qualifies" boolean NOT NULL,
	"best" boolean NOT NULL,
	CONSTRAINT "evaluations_chain_id_tx_hash_log_index_pk" PRIMARY KEY("chain_id","tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"kind" text NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"account" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	CONSTRAINT "payments_chain_id_tx_hash_log_index_pk" PRIMARY KEY("chain_id","tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "roles" (
	"chain_id" integer NOT NULL,
	"role" text NOT NULL,
	"account" text NOT NULL,
	"granted" boolean NOT NULL,
	"block_number" bigint NOT NULL,
	CONSTRAINT "roles_chain_id_role_account_pk" PRIMARY KEY("chain_id","role","account")
);
--> statement-breakpoint
CREATE TABLE "share_transfers" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"from_account" text NOT NULL,
	"to_account" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	CONSTRAINT "share_transfers_chain_id_tx_hash_log_index_pk" PRIMARY KEY("chain_id","tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "submissions" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"submission_id" numeric(78, 0) NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"trainer" text NOT NULL,
	"checkpoint_hash" text NOT NULL,
	"uri" text NOT NULL,
	"submitted_at" numeric(78, 0) NOT NULL,
	"verdict" text NOT NULL,
	"score" numeric(78, 0),
	"report_hash" text,
	CONSTRAINT "submissions_chain_id_submission_id_pk" PRIMARY KEY("chain_id","submission_id")
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"chain_id" integer NOT NULL,
	"token" text NOT NULL,
	"allowed" boolean NOT NULL,
	"block_number" bigint NOT NULL,
	CONSTRAINT "tokens_chain_id_token_pk" PRIMARY KEY("chain_id","token")
);
--> statement-breakpoint
CREATE TABLE "board_events" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"event_name" text NOT NULL,
	"bounty_id" numeric(78, 0),
	"args" jsonb NOT NULL,
	CONSTRAINT "board_events_chain_id_tx_hash_log_index_pk" PRIMARY KEY("chain_id","tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "effects_outbox" (
	"chain_id" integer NOT NULL,
	"job_id" text NOT NULL,
	"queue" text NOT NULL,
	"name" text NOT NULL,
	"payload" jsonb NOT NULL,
	"block_number" bigint NOT NULL,
	"enqueued_at" timestamp with time zone,
	CONSTRAINT "effects_outbox_chain_id_job_id_pk" PRIMARY KEY("chain_id","job_id")
);
--> statement-breakpoint
CREATE TABLE "indexed_blocks" (
	"chain_id" integer NOT NULL,
	"number" bigint NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "indexed_blocks_chain_id_number_pk" PRIMARY KEY("chain_id","number")
);
--> statement-breakpoint
CREATE TABLE "indexer_state" (
	"chain_id" integer PRIMARY KEY NOT NULL,
	"board" text NOT NULL,
	"cursor" bigint NOT NULL,
	"cursor_hash" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "backers_account_idx" ON "backers" USING btree ("chain_id","account");--> statement-breakpoint
CREATE INDEX "bounties_raised_idx" ON "bounties" USING btree ("chain_id","raised" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bounties_status_idx" ON "bounties" USING btree ("chain_id","status");--> statement-breakpoint
CREATE INDEX "bounties_token_idx" ON "bounties" USING btree ("chain_id","token");--> statement-breakpoint
CREATE INDEX "bounties_dao_idx" ON "bounties" USING btree ("chain_id","dao");--> statement-breakpoint
CREATE INDEX "claims_block_idx" ON "claims" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "contributions_bounty_idx" ON "contributions" USING btree ("chain_id","bounty_id");--> statement-breakpoint
CREATE INDEX "contributions_block_idx" ON "contributions" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "evaluations_bounty_idx" ON "evaluations" USING btree ("chain_id","bounty_id");--> statement-breakpoint
CREATE INDEX "evaluations_submission_idx" ON "evaluations" USING btree ("chain_id","submission_id");--> statement-breakpoint
CREATE INDEX "evaluations_block_idx" ON "evaluations" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "payments_bounty_idx" ON "payments" USING btree ("chain_id","bounty_id","kind");--> statement-breakpoint
CREATE INDEX "payments_block_idx" ON "payments" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "share_transfers_bounty_idx" ON "share_transfers" USING btree ("chain_id","bounty_id");--> statement-breakpoint
CREATE INDEX "share_transfers_block_idx" ON "share_transfers" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "submissions_bounty_score_idx" ON "submissions" USING btree ("chain_id","bounty_id","score" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "submissions_block_idx" ON "submissions" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "board_events_block_idx" ON "board_events" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "board_events_bounty_idx" ON "board_events" USING btree ("chain_id","bounty_id","block_number");--> statement-breakpoint
CREATE INDEX "board_events_name_idx" ON "board_events" USING btree ("chain_id","event_name");--> statement-breakpoint
CREATE INDEX "effects_outbox_block_idx" ON "effects_outbox" USING btree ("chain_id","block_number");