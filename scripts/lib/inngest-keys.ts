import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateEventKey, generateSigningKey, isValidSigningKey } from "@longhaul/executor/signing";

/**
 * The keys shared by the bundled executor and the app (docs/decisions/017): generated on the first
 * start and kept beside the local data (mode 0600, like auth-secret), so they survive restarts and a
 * script that sends events can read the event key. INNGEST_EVENT_KEY, when set, is used instead of the
 * stored event key. If the data directory cannot be written, this start uses fresh keys in memory.
 */
export async function loadBundledExecutorKeys({ dataDir, log }: { dataDir: string; log: (line: string) => void }) {
  const signingKey = await readOrCreate(path.join(dataDir, "inngest-signing-key"), () => generateSigningKey(), isValidSigningKey, log);
  const eventKey =
    process.env.INNGEST_EVENT_KEY ||
    (await readOrCreate(path.join(dataDir, "inngest-event-key"), generateEventKey, (key) => key.length >= 16, log));
  return { signingKey, eventKey };
}

async function readOrCreate(file: string, create: () => string, isValid: (value: string) => boolean, log: (line: string) => void) {
  try {
    if (existsSync(file)) {
      const stored = (await readFile(file, "utf8")).trim();
      if (isValid(stored)) return stored;
      log(`${file} does not hold a valid key; replacing it.`);
    }
    const value = create();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${value}\n`, { mode: 0o600 });
    return value;
  } catch (error) {
    log(`Could not keep a key in ${file} (${(error as Error).message}); using a new one for this start only.`);
    return create();
  }
}
