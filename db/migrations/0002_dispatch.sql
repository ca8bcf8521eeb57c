CREATE TABLE "leases" (
	"id" text PRIMARY KEY NOT NULL,
	"chain_id" integer NOT NULL,
	"bounty_id" numeric(78, 0) NOT NULL,
	"job_id" text NOT NULL,
	"queue" text NOT NULL,
	"pool_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" text NOT NULL,
	"leased_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"percent" double precision,
	"step" integer,
	"loss" double precision,
	"progress_at" timestamp (3) with time zone,
	"checkpoint_sha256" text,
	"checkpoint_uri" text,
	"submission_tx" text,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "pool_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"pool_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "pools" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"operator" text NOT NULL,
	"gpu_model" text NOT NULL,
	"gpu_count" integer NOT NULL,
	"vram_gb" double precision NOT NULL,
	"max_leases" integer NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"last_heartbeat_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "specs" (
	"spec_hash" text PRIMARY KEY NOT NULL,
	"spec" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "leases" ADD CONSTRAINT "leases_pool_id_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."pools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pool_tokens" ADD CONSTRAINT "pool_tokens_pool_id_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "leases_pool_status_idx" ON "leases" USING btree ("pool_id","status");--> statement-breakpoint
CREATE INDEX "leases_bounty_idx" ON "leases" USING btree ("chain_id","bounty_id");--> statement-breakpoint
CREATE INDEX "leases_job_idx" ON "leases" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "leases_active_idx" ON "leases" USING btree ("expires_at") WHERE "leases"."status" = 'active';--> statement-breakpoint
CREATE INDEX "leases_ended_idx" ON "leases" USING btree ("queue","ended_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "pool_tokens_hash_idx" ON "pool_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "pool_tokens_pool_idx" ON "pool_tokens" USING btree ("pool_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pools_name_idx" ON "pools" USING btree ("name");--> statement-breakpoint
CREATE INDEX "pools_operator_idx" ON "pools" USING btree ("operator");