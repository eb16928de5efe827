import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/auth-app.ts");

export type AuthApp = { port: number; stop: () => Promise<void> };

/** Starts tests/fixtures/auth-app.ts with the test run's environment plus `env`; resolves once it listens. */
export async function startAuthApp(env: Record<string, string | undefined> = {}): Promise<AuthApp> {
  const child: ChildProcess = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", FIXTURE], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`auth-app did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /auth-app listening on (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`auth-app exited (${code}):\n${output}`));
    });
  });
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export type HttpAnswer = { status: number; body: { code?: string; message?: string } & Record<string, unknown>; setCookies: string[] };

/**
 * POSTs JSON to the auth app from a chosen local address (any of 127.0.0.0/8 reaches 127.0.0.1 on
 * Linux), so each test is its own client as far as the server's socket can tell.
 */
export function postJson(
  port: number,
  urlPath: string,
  body: unknown,
  { from, headers = {} }: { from: string; headers?: Record<string, string> },
): Promise<HttpAnswer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method: "POST",
        localAddress: from,
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          let parsed: HttpAnswer["body"] = {};
          try {
            parsed = text ? (JSON.parse(text) as HttpAnswer["body"]) : {};
          } catch {
            parsed = { message: text };
          }
          const cookies = response.headers["set-cookie"] ?? [];
          resolve({ status: response.statusCode ?? 0, body: parsed, setCookies: cookies });
        });
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}
