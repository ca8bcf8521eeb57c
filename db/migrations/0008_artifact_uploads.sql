CREATE TABLE "artifact_uploads" (
	"lease_id" text PRIMARY KEY NOT NULL,
	"pool_id" text NOT NULL,
	"sha256" text NOT NULL,
	"bytes" bigint NOT NULL,
	"upload_id" text NOT NULL,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stored_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "eval_sets" ADD COLUMN "training_sha256" text;--> statement-breakpoint
ALTER TABLE "artifact_uploads" ADD CONSTRAINT "artifact_uploads_lease_id_leases_id_fk" FOREIGN KEY ("lease_id") REFERENCES "public"."leases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "artifact_uploads_pool_idx" ON "artifact_uploads" USING btree ("pool_id","uploaded_at");--> statement-breakpoint
CREATE INDEX "artifact_uploads_sha256_idx" ON "artifact_uploads" USING btree ("sha256");