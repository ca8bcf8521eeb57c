import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema by `npm run db:generate`, reviewed and
// committed; `npm run db:migrate` applies them (PGlite or DATABASE_URL).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
  strict: true,
});
