/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database
 * when DATABASE_URL is unset (the same one `npm start` uses).
 */
import { prepareDatabase } from "./lib/database";

const { url, stop, isEmbedded } = await prepareDatabase({ log: console.log });
console.log(`Migrations are up to date on ${isEmbedded ? "the embedded database" : new URL(url).host}.`);
await stop();
