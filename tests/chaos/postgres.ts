/**
 * The PostgreSQL server the fault-injection suite restarts.
 *
 * - CHAOS_DATABASE_URL (a server URL) + optional CHAOS_PG_RESTART_COMMAND (a shell command; the string
 *   "{mode}" in it becomes "fast" or "immediate"): your own server. Without the command, no restarts.
 * - Otherwise, on a Debian-style machine run as root (postgresql-common's pg_createcluster and
 *   pg_ctlcluster, as in CI): a cluster of its own, `longhaul_chaos` on port CHAOS_PG_PORT (5439), created
 *   once and started if stopped, so restarting it disturbs no other database on the machine.
 */
import { execFileSync, execSync } from "node:child_process";
import { existsSync } from "node:fs";

export type ChaosPostgres = {
  /** A server URL (database `postgres`). */
  serverUrl: string;
  label: string;
  /** Null when restarts cannot be done here (then the report says so). */
  restart: ((mode: "fast" | "immediate") => void) | null;
  /** Stops what this module started (the dedicated cluster); a no-op for a given server. */
  stop: () => void;
};

const CLUSTER = "longhaul_chaos";

export function chaosPostgres(log: (line: string) => void): ChaosPostgres {
  const given = process.env.CHAOS_DATABASE_URL;
  if (given) {
    const command = process.env.CHAOS_PG_RESTART_COMMAND;
    return {
      serverUrl: given,
      label: `the server at ${new URL(given).host} (CHAOS_DATABASE_URL)`,
      restart: command ? (mode) => void execSync(command.replaceAll("{mode}", mode), { stdio: "ignore", timeout: 120_000 }) : null,
      stop: () => {},
    };
  }
  if (!existsSync("/usr/bin/pg_createcluster") || process.getuid?.() !== 0) {
    throw new Error(
      "The fault-injection suite restarts PostgreSQL: run it as root on a machine with postgresql-common (pg_createcluster), " +
        "or give CHAOS_DATABASE_URL (and CHAOS_PG_RESTART_COMMAND to allow restarts).",
    );
  }
  const version = process.env.PG_CLUSTER_VERSION ?? "15";
  const port = Number(process.env.CHAOS_PG_PORT ?? 5439);
  const ctl = (...args: string[]) =>
    execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", ...args], { stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  if (!existsSync(`/etc/postgresql/${version}/${CLUSTER}`)) {
    log(`creating PostgreSQL ${version} cluster ${CLUSTER} on port ${port}`);
    execFileSync("pg_createcluster", [version, CLUSTER, "-p", String(port), "--", "--auth=trust"], { stdio: "ignore" });
  }
  const isRunning = () => {
    try {
      ctl(version, CLUSTER, "status");
      return true;
    } catch {
      return false;
    }
  };
  if (!isRunning()) ctl(version, CLUSTER, "start");
  return {
    serverUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    label: `PostgreSQL ${version} cluster ${CLUSTER} on 127.0.0.1:${port} (its own, restarted with pg_ctlcluster)`,
    restart: (mode) => void ctl(version, CLUSTER, "restart", "-m", mode),
    stop: () => {
      if (isRunning()) ctl(version, CLUSTER, "stop", "-m", "fast");
    },
  };
}
