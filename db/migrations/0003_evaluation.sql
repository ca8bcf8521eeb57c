CREATE TABLE "eval_sets" (
	"commitment" text PRIMARY KEY NOT NULL,
	"sha256" text NOT NULL,
	"salt" text NOT NULL,
	"byte_length" bigint NOT NULL,
	"task" text NOT NULL,
	"samples" integer NOT NULL,
	"spec_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluation_runs" (
	"chain_id" integer NOT NULL,
	"submission_id" numeric(78, 0) NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"outcome" text,
	"reason" text,
	"metric" text,
	"score" double precision,
	"onchain_score" numeric(78, 0),
	"report_sha256" text,
	"copy_of" numeric(78, 0),
	"report" jsonb,
	"fingerprint" jsonb,
	"publish" text DEFAULT 'pending' NOT NULL,
	"tx_hash" text,
	"raw_tx" text,
	"tx_error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evaluation_runs_chain_id_submission_id_pk" PRIMARY KEY("chain_id","submission_id")
);
--> statement-breakpoint
CREATE INDEX "evaluation_runs_bounty_idx" ON "evaluation_runs" USING btree ("chain_id","bounty_id","submission_id");