import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema by `npm run db:generate`, reviewed and
// committed; `npm run db:migrate` applies them (DATABASE_URL, or the embedded PostgreSQL).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
  strict: true,
});
