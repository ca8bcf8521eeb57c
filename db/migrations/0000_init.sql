CREATE TABLE "deployments" (
	"chain_id" integer NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"tx_hash" text NOT NULL,
	"block_number" bigint NOT NULL,
	"deployer" text NOT NULL,
	"deployed_at" timestamp with time zone NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deployments_chain_id_name_pk" PRIMARY KEY("chain_id","name")
);
