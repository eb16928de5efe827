import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENAI_COMPAT } from "~/shared/provider-kinds";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";
import { providerCredentials } from "~/server/providers/credentials";
import { db } from "~/server/db/client";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";

const KEY = "sk-team-secret-0123456789abcdef-W1x9";

describe("model providers", () => {
  it("store API keys encrypted, show only the last four characters, and hand the key to the loop alone", async () => {
    const owner = await createTestTeam();
    const created = await owner.caller.provider.create({ name: "Local vLLM", baseUrl: "http://127.0.0.1:8000/v1", apiKey: KEY });
    expect(created).toMatchObject({ name: "Local vLLM", apiKeyLast4: "W1x9", hasKey: true, keyVersion: 1 });
    const listed = await owner.caller.provider.list();
    expect(JSON.stringify(listed)).not.toContain(KEY.slice(0, 20));
    expect(listed).toEqual([expect.objectContaining({ id: created.id, apiKeyLast4: "W1x9", hasKey: true })]);

    const row = await db.modelProvider.findUniqueOrThrow({ where: { id: created.id }, select: { apiKeyCiphertext: true } });
    expect(row.apiKeyCiphertext).toMatch(/^v1\./);
    expect(row.apiKeyCiphertext).not.toContain(KEY);
    expect(Buffer.from(row.apiKeyCiphertext!.split(".")[3]!, "base64url").toString("utf8")).not.toContain("secret");
    expect(await providerCredentials({ teamId: owner.team.id, providerId: created.id })).toEqual({
      baseURL: "http://127.0.0.1:8000/v1",
      apiKey: KEY,
      isInstanceKeyWithheld: false,
      compat: OPENAI_COMPAT,
      headers: undefined,
      timeoutMs: 60_000,
    });
  });

  it("rotate and remove keys; a ciphertext copied into another team's row does not decrypt", async () => {
    const owner = await createTestTeam();
    const created = await owner.caller.provider.create({ name: "OpenAI", apiKey: KEY });
    await owner.caller.provider.rotateKey({ id: created.id, apiKey: "sk-new-key-ZZ42" });
    const [rotated] = await owner.caller.provider.list();
    expect(rotated).toMatchObject({ apiKeyLast4: "ZZ42", keyVersion: 2, baseUrl: null });
    expect((await providerCredentials({ teamId: owner.team.id, providerId: created.id }))?.apiKey).toBe("sk-new-key-ZZ42");
    expect(await db.auditLog.count({ where: { targetId: created.id, action: { in: ["provider.create", "provider.rotate_key"] } } })).toBe(
      2,
    );

    const other = await createTestTeam();
    const theirs = await other.caller.provider.create({ name: "Theirs" });
    const stolen = await db.modelProvider.findUniqueOrThrow({ where: { id: created.id }, select: { apiKeyCiphertext: true } });
    await db.modelProvider.update({ where: { id: theirs.id }, data: { apiKeyCiphertext: stolen.apiKeyCiphertext } });
    await expect(providerCredentials({ teamId: other.team.id, providerId: theirs.id })).rejects.toThrow(/could not be decrypted/);

    await owner.caller.provider.rotateKey({ id: created.id, apiKey: "" });
    expect((await owner.caller.provider.list())[0]).toMatchObject({ hasKey: false, apiKeyLast4: null });
    const instanceKey = { key: "env-key", hosts: [] };
    expect((await providerCredentials({ teamId: owner.team.id, providerId: created.id, instanceKey }))?.apiKey).toBe("env-key");
  });

  it("are managed by admins, seen by the team, invisible and untouchable across teams", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    const viewer = await addTestMember(owner.team.id, "viewer");
    const created = await owner.caller.provider.create({ name: "Shared" });
    await expect(member.caller.provider.create({ name: "Mine" })).rejects.toThrow(/admin role/);
    await expect(member.caller.provider.rotateKey({ id: created.id, apiKey: "x" })).rejects.toThrow(/admin role/);
    expect((await viewer.caller.provider.list()).map((p) => p.name)).toEqual(["Shared"]);

    const stranger = await createTestTeam();
    expect(await stranger.caller.provider.list()).toEqual([]);
    await expect(stranger.caller.provider.rotateKey({ id: created.id, apiKey: "x" })).rejects.toThrow(
      /not found, or you do not have access/,
    );
    await expect(stranger.caller.provider.delete({ id: created.id })).rejects.toThrow(/not found, or you do not have access/);
  });

  it("refuse a base URL on a private address the operator did not allow, with a message at the field (issue 17)", async () => {
    const owner = await createTestTeam();
    // The test runner allows 127.0.0.1 and localhost (LONGHAUL_PRIVATE_MODEL_HOSTS) for its fake model server, nothing else.
    for (const [baseUrl, explanation] of [
      ["http://169.254.169.254/v1", "169.254.169.254 is a link-local address (the cloud metadata service)"],
      ["http://10.0.0.7:11434/v1", "10.0.0.7 is a private (RFC 1918) address"],
      ["http://[::1]:8000/v1", "::1 is a loopback address"],
    ]) {
      const message =
        `Model requests are not sent to private addresses, and ${explanation}. An operator of this instance can allow it ` +
        "with LONGHAUL_PRIVATE_MODEL_HOSTS (e.g. for Ollama or vLLM on this machine or network).";
      await expect(owner.caller.provider.create({ name: `Private ${baseUrl}`, baseUrl })).rejects.toMatchObject({
        message,
        cause: { fieldErrors: { baseUrl: [message] } },
      });
    }
    expect(await owner.caller.provider.list()).toEqual([]);
    // Allowed by the operator's setting; a name that does not resolve now is checked when a call connects.
    await owner.caller.provider.create({ name: "Loopback, allowed", baseUrl: "http://127.0.0.1:11434/v1" });
    await owner.caller.provider.create({ name: "Not resolvable now", baseUrl: "https://llm.not-resolvable.invalid/v1" });
  });

  it("validate input with messages per field, and refuse to delete a provider agents use", async () => {
    const owner = await createTestTeam();
    await expect(owner.caller.provider.create({ name: " ", baseUrl: "ftp://nope" })).rejects.toMatchObject({
      message: expect.stringMatching(/Give the provider a name|http\(s\) URL/),
    });
    const created = await owner.caller.provider.create({ name: "Ollama", baseUrl: "http://localhost:11434/v1" });
    await expect(owner.caller.provider.create({ name: "Ollama" })).rejects.toThrow(
      "A provider with that name already exists in this team.",
    );
    await owner.caller.agent.create(agentInput({ name: "Uses Ollama", provider: created.id, model: "llama3.1:8b" }));
    await expect(owner.caller.provider.delete({ id: created.id })).rejects.toThrow(
      '1 agent uses this provider ("Uses Ollama"); move it to another provider first.',
    );
  });

  it("keep a kind, extra headers (values encrypted, never shown), a timeout; an edit changes only what it names", async () => {
    const owner = await createTestTeam();
    const created = await owner.caller.provider.create({
      name: "Router",
      kind: "openrouter",
      baseUrl: "https://openrouter.ai/api/v1",
      apiKey: KEY,
      headers: [{ name: "X-Title", value: "Longhaul secret-title-value" }],
      timeoutSeconds: 90,
    });
    expect(created).toMatchObject({
      kind: "openrouter",
      headerNames: ["X-Title"],
      timeoutSeconds: 90,
      compat: OPENAI_COMPAT,
      lastTest: null,
    });
    expect(JSON.stringify(await owner.caller.provider.list())).not.toContain("secret-title-value");
    const row = await db.modelProvider.findUniqueOrThrow({ where: { id: created.id }, select: { headersCiphertext: true } });
    expect(row.headersCiphertext).not.toContain("secret-title-value");
    expect(await providerCredentials({ teamId: owner.team.id, providerId: created.id })).toMatchObject({
      headers: { "X-Title": "Longhaul secret-title-value" },
      timeoutMs: 90_000,
    });

    const renamed = await owner.caller.provider.update({ id: created.id, name: "OpenRouter" });
    expect(renamed).toMatchObject({
      name: "OpenRouter",
      kind: "openrouter",
      headerNames: ["X-Title"],
      timeoutSeconds: 90,
      apiKeyLast4: "W1x9",
    });
    await expect(owner.caller.provider.update({ id: created.id, timeoutSeconds: 0 })).rejects.toThrow("At least 1 second.");
    await expect(owner.caller.provider.update({ id: created.id, headers: [{ name: "Authorization", value: "x" }] })).rejects.toThrow(
      "Longhaul sets this header itself",
    );
    await owner.caller.provider.update({ id: created.id, headers: [] });
    expect(await providerCredentials({ teamId: owner.team.id, providerId: created.id })).toMatchObject({ headers: undefined });
    const audited = await db.auditLog.findMany({ where: { targetId: created.id, action: "provider.update" }, select: { metadata: true } });
    expect(audited.map((a) => a.metadata)).toEqual([{ fields: "name" }, { fields: "headers" }]);
    const viewer = await addTestMember(owner.team.id, "viewer");
    expect((await viewer.caller.provider.get({ id: created.id })).name).toBe("OpenRouter");
    await expect(viewer.caller.provider.update({ id: created.id, name: "Mine" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("test connection", () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ behaviour: { outputCap: "max_tokens", usage: false } });
    fake.setResponder((body) =>
      JSON.stringify(body.messages).includes("Count from 1")
        ? { kind: "message", content: "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 ".repeat(10) }
        : body.tools?.length
          ? { kind: "tool_calls", calls: [{ name: "ping", arguments: { value: 7 } }] }
          : { kind: "message", content: "pong" },
    );
  });
  afterAll(() => fake.stop());

  it("stores what it found, which the loop's calls then follow; sends the provider's key and headers; audited", async () => {
    const owner = await createTestTeam();
    const created = await owner.caller.provider.create({
      name: "Ollama here",
      kind: "ollama",
      baseUrl: fake.baseURL,
      apiKey: KEY,
      headers: [{ name: "X-Team", value: "probe" }],
    });
    const result = await owner.caller.provider.test({ id: created.id, model: "llama3.1" });
    expect(result.ok).toBe(true);
    expect(result.compat).toEqual({ outputCap: "max_tokens", tools: "native", usage: "counted", streaming: "optional" });
    expect(result.summary).toContain("Keeps to the output cap in max_tokens.");
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${KEY}` && r.headers["x-team"] === "probe")).toBe(true);
    const stored = await owner.caller.provider.get({ id: created.id });
    expect(stored.compat).toEqual(result.compat);
    expect(stored.lastTest).toMatchObject({ ok: true, summary: result.summary, models: ["gpt-4o-mini", "text-embedding-3-small"] });
    expect((await providerCredentials({ teamId: owner.team.id, providerId: created.id }))?.compat).toEqual(result.compat);
    expect(await db.auditLog.count({ where: { targetId: created.id, action: "provider.test" } })).toBe(1);

    // A new address makes the old findings void: back to what the kind's server is known to do (Ollama: max_tokens).
    await owner.caller.provider.update({ id: created.id, baseUrl: fake.baseURL.replace("127.0.0.1", "localhost") });
    expect(await owner.caller.provider.get({ id: created.id })).toMatchObject({
      compat: { ...OPENAI_COMPAT, outputCap: "max_tokens" },
      lastTest: null,
    });
  });

  it("starts from the kind's preset until a test: a new kind of an untested provider takes its preset, a tested one keeps its findings", async () => {
    const owner = await createTestTeam();
    const created = await owner.caller.provider.create({ name: "Box", kind: "vllm", baseUrl: fake.baseURL });
    expect(created.compat).toEqual(OPENAI_COMPAT);
    const asOllama = await owner.caller.provider.update({ id: created.id, kind: "ollama" });
    expect(asOllama.compat).toEqual({ ...OPENAI_COMPAT, outputCap: "max_tokens" });
    // The loop follows it before any test: the first call sends the cap the server honours.
    expect((await providerCredentials({ teamId: owner.team.id, providerId: created.id }))?.compat?.outputCap).toBe("max_tokens");
    await owner.caller.provider.test({ id: created.id, model: "llama3.1" });
    const found = (await owner.caller.provider.get({ id: created.id })).compat;
    expect((await owner.caller.provider.update({ id: created.id, kind: "openai" })).compat).toEqual(found);
  });

  it("a failing endpoint keeps the compatibility it had and says why", async () => {
    const owner = await createTestTeam();
    const created = await owner.caller.provider.create({ name: "Nothing there", baseUrl: "http://127.0.0.1:9/v1" });
    const result = await owner.caller.provider.test({ id: created.id, model: "m" });
    expect(result).toMatchObject({ ok: false, summary: expect.stringMatching(/^Could not use http:\/\/127\.0\.0\.1:9\/v1: unreachable/) });
    expect(await owner.caller.provider.get({ id: created.id })).toMatchObject({ compat: OPENAI_COMPAT, lastTest: { ok: false } });
  });
});
