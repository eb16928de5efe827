/**
 * Integration tests need a migrated database in DATABASE_URL. `npm test` (scripts/test.ts) provides a
 * fresh one; running Vitest directly without it is a mistake worth a clear message.
 */
export default function setup() {
  if (!process.env.DATABASE_URL) {
    throw new Error(
      "Integration tests need a database: run them with `npm test` (or `npm test -- --only integration`), which creates a fresh one.",
    );
  }
}
