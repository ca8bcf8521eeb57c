CREATE INDEX "bounties_arbiter_idx" ON "bounties" USING btree ("chain_id","arbiter");--> statement-breakpoint
CREATE INDEX "payments_account_idx" ON "payments" USING btree ("chain_id",lower("account"));--> statement-breakpoint
CREATE INDEX "board_events_args_idx" ON "board_events" USING gin ("args" jsonb_path_ops);