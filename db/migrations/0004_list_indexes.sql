DROP INDEX "bounties_raised_idx";--> statement-breakpoint
DROP INDEX "bounties_status_idx";--> statement-breakpoint
CREATE INDEX "bounties_backers_idx" ON "bounties" USING btree ("chain_id","backer_count" DESC NULLS FIRST,"raised" DESC NULLS FIRST,"bounty_id");--> statement-breakpoint
CREATE INDEX "bounties_raised_idx" ON "bounties" USING btree ("chain_id","raised" DESC NULLS FIRST,"bounty_id");--> statement-breakpoint
CREATE INDEX "bounties_status_idx" ON "bounties" USING btree ("chain_id","status","created_block" DESC NULLS FIRST,"bounty_id" DESC NULLS FIRST);