DROP INDEX "bounties_raised_idx";--> statement-breakpoint
DROP INDEX "bounties_token_idx";--> statement-breakpoint
ALTER TABLE "tokens" ALTER COLUMN "allowed" SET DEFAULT false;--> statement-breakpoint
ALTER TABLE "tokens" ALTER COLUMN "block_number" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "bounties" ADD COLUMN "best_margin" double precision;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "symbol" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "decimals" integer;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "indexed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "bounties_token_raised_idx" ON "bounties" USING btree ("chain_id","token","raised" DESC NULLS FIRST,"bounty_id");--> statement-breakpoint
CREATE INDEX "bounties_best_margin_idx" ON "bounties" USING btree ("chain_id","best_margin" DESC NULLS LAST,"bounty_id");