import net from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { migrateExecutorSchema } from "../../src/store/schema";
import { startTestExecutor } from "../../src/testing";

/**
 * An executor started before its database is reachable (it is starting, or restarting) waits for it
 * to apply its migrations and then starts, as its worker waits for the database later; it does not exit.
 */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** A TCP proxy on `port` to the test database: the database "comes up" when it starts. */
function proxyTo(port: number, target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise<{ close: () => Promise<void> }>((resolve) =>
    server.listen(port, "127.0.0.1", () =>
      resolve({
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

describe("an executor whose database is not up yet", () => {
  it("waits for it, applies its migrations and starts", async () => {
    const target = new URL(process.env.DATABASE_URL!);
    const port = await freePort();
    const url = new URL(target);
    url.hostname = "127.0.0.1";
    url.port = String(port);
    const started = Date.now();
    const starting = startTestExecutor({ databaseUrl: url.toString() });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const proxy = await proxyTo(port, target);
    try {
      const executor = await starting;
      expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
      expect((await fetch(`${executor.url}/health`)).ok).toBe(true);
      await executor.stop();
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it("gives up after the time it was given, with the database's error", async () => {
    const port = await freePort();
    const pool = new pg.Pool({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`, max: 1 });
    const started = Date.now();
    await expect(migrateExecutorSchema(pool, { waitMs: 800 })).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5000);
    await pool.end();
  });
});
