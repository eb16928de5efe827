import { createHash, randomBytes } from "node:crypto";
import pg from "pg";

/**
 * The e2e side of approval links: a link for an agent's pending approval made the way
 * server/approval-links/links.ts makes one (an `lha_` token, only its SHA-256 stored, expiring with the
 * approval or in 7 days), written straight to the test database the app uses, and the approval's status.
 */
async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function approvalLinkFor(agentName: string): Promise<{ token: string; approvalId: string }> {
  return withClient(async (client) => {
    const found = await client.query<{ id: string; teamId: string }>(
      `SELECT ap.id::text AS id, ap."teamId" FROM approval ap JOIN agent a ON a.id = ap."agentId"
        WHERE a.name = $1 AND ap.status = 'pending' ORDER BY ap."createdAt" DESC LIMIT 1`,
      [agentName],
    );
    const approval = found.rows[0];
    if (!approval) throw new Error(`${agentName} has no pending approval`);
    const token = `lha_${randomBytes(32).toString("base64url")}`;
    const hash = createHash("sha256").update(token, "utf8").digest("hex");
    await client.query(
      `INSERT INTO approval_link (id, "teamId", "approvalId", "tokenHash", "expiresAt")
       VALUES (gen_random_uuid(), $1, $2::uuid, $3, now() + interval '7 days')`,
      [approval.teamId, approval.id, hash],
    );
    return { token, approvalId: approval.id };
  });
}

export async function approvalStatus(approvalId: string): Promise<{ status: string; decidedBy: string | null }> {
  return withClient(async (client) => {
    const result = await client.query<{ status: string; decidedBy: string | null }>(
      `SELECT ap.status::text AS status, u.name AS "decidedBy" FROM approval ap LEFT JOIN "user" u ON u.id = ap."decidedById" WHERE ap.id = $1::uuid`,
      [approvalId],
    );
    return result.rows[0]!;
  });
}
