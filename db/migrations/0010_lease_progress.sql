CREATE TABLE "lease_progress" (
	"lease_id" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"percent" double precision,
	"step" integer,
	"loss" double precision,
	CONSTRAINT "lease_progress_lease_id_at_pk" PRIMARY KEY("lease_id","at")
);
--> statement-breakpoint
ALTER TABLE "lease_progress" ADD CONSTRAINT "lease_progress_lease_id_leases_id_fk" FOREIGN KEY ("lease_id") REFERENCES "public"."leases"("id") ON DELETE cascade ON UPDATE no action;