CREATE TABLE "webhooks" (
	"chain_id" integer NOT NULL,
	"account" text NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"cursor" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"last_result" text,
	CONSTRAINT "webhooks_chain_id_account_pk" PRIMARY KEY("chain_id","account")
);
--> statement-breakpoint
DROP INDEX "notifications_unique_idx";--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "ref" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_unique_idx" ON "notifications" USING btree ("chain_id","bounty_id","account","kind","ref");