/**
 * `npm run bench` (agent page in a browser): the agent page of an agent with 100,000 events, loaded
 * in Chromium from a production build (`next build` + scripts/serve.ts, as `npm start` runs it), against a scratch database.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node --conditions=react-server --import tsx bench/dashboard-browser.ts
 *
 * - usable: from navigation start to the first cycle row rendered and painted (the rows are rendered
 *   by the browser after hydration, so a rendered row already answers a click); also the time a
 *   real click on it has opened it (this one includes the test driver's round trips). Cold (a new
 *   browser context each load), warm (one context, cached scripts) and a phone (390 px, CPU 4× slower).
 * - DOM bound: rows and elements in the document after scrolling until BENCH_BROWSER_CYCLES cycles
 *   are loaded.
 * - smoothness: frame times (requestAnimationFrame deltas) and long tasks while the page is
 *   scrolled programmatically through the loaded history, slowly and fast.
 * - live: new cycles written while the reader is down in the history are held back behind an
 *   "N new cycles" button without moving what the reader sees; at the top they appear directly.
 *
 * The build: a copy of the working tree in a scratch directory (node_modules hard-linked where the
 * filesystem allows, copied otherwise), built there and removed afterwards, so the measured build is
 * always the current code and the project's own .next (maybe in use by `npm start`) is never touched.
 * BENCH_BUILD_DIR=<dir> keeps that copy in <dir> and reuses the build found there on the next run
 * (delete the directory after changing the app). Skipped without BENCH_DATABASE_URL or Chromium
 * (CHROMIUM_PATH or /usr/bin/chromium). Results: bench/results/dashboard-browser.md.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";
import { appBenchDatabase, machineFacts, ms, percentile, seedFleet, seedLongHistoryAgent, seedRuns } from "./lib";
import { openTraceAndTime, seedCycleTrace } from "./cycle-trace-seed";

const EVENTS = Number(process.env.BENCH_BROWSER_EVENTS ?? 100_000);
const LOADS = Number(process.env.BENCH_BROWSER_LOADS ?? 20);
const CYCLES_TO_LOAD = Number(process.env.BENCH_BROWSER_CYCLES ?? 2_000);
const SCREENSHOTS = process.env.BENCH_BROWSER_SCREENSHOTS === "1";
const TARGET_USABLE_MS = 1000;
const TARGET_TRACE_MS = 300;
const FLEET_AGENTS = Number(process.env.BENCH_BROWSER_AGENTS ?? 10_000);
/** What makes each fleet page usable: its first row of data on screen. */
const FLEET_PAGES = [
  { path: "/overview", label: "Overview", selector: '[data-testid="status-counts"] li' },
  { path: "/activity", label: "Activity (cycles, last 24 hours)", selector: '[data-testid="fleet-cycle"]' },
  { path: "/activity?view=runs", label: "Activity (runs, last 24 hours)", selector: '[data-testid="fleet-run"]' },
] as const;
const ROOT = path.resolve(import.meta.dirname, "..");
const log = (line: string) => console.log(`[bench:dashboard-browser] ${line}`);

/** In the page before its scripts: notes when the first element matching one of the fleet pages' selectors was painted. */
const MARK_FIRST_FLEET_ROW = `globalThis.__name ??= (fn) => fn;
(() => {
  const selector = ${JSON.stringify(FLEET_PAGES.map((p) => p.selector).join(", "))};
  const observer = new MutationObserver(() => {
    const row = document.querySelector(selector);
    if (!row || row.getBoundingClientRect().height === 0) return;
    observer.disconnect();
    const rendered = performance.now();
    requestAnimationFrame(() => setTimeout(() => { window.__firstFleetRow = { rendered, painted: performance.now() }; }, 0));
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

/**
 * In the page before its scripts: notes when the first cycle row exists with a size, and when it was
 * painted. (Also defines the \`__name\` helper that tsx's transform adds to functions given to page.evaluate.)
 */
const MARK_FIRST_CYCLE = `globalThis.__name ??= (fn) => fn;
(() => {
  const observer = new MutationObserver(() => {
    const row = document.querySelector('[data-testid="cycle"] summary');
    if (!row || row.getBoundingClientRect().height === 0) return;
    observer.disconnect();
    const rendered = performance.now();
    requestAnimationFrame(() => setTimeout(() => { window.__firstCycle = { rendered, painted: performance.now() }; }, 0));
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

const chromiumPath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
if (!chromiumPath) {
  log("skipped: needs Chromium (set CHROMIUM_PATH, or e.g. `sudo apt-get install -y chromium`)");
  process.exit(0);
}
const database = await appBenchDatabase(log, "needs a PostgreSQL server");

type Load = {
  ttfb: number;
  domContentLoaded: number;
  timelineRequest: number;
  timelineResponse: number;
  rowRendered: number;
  usable: number;
  clickAnswered: number;
};
type Frames = {
  label: string;
  pxPerFrame: number;
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  dropped: number;
  /** Long animation frames (over 50 ms) and the time scripts and rendering took in them. */
  longFrames: number;
  longFrameScriptMs: number;
  longFrameRenderMs: number;
  maxRows: number;
};
const started = new Date();
const loadAtStart = os.loadavg()[0]!;
const results: {
  buildSeconds?: number;
  seedSeconds?: number;
  cold?: Load[];
  warm?: Load[];
  phone?: Load[];
  dom?: {
    atTop: { loaded: number; rows: number; elements: number };
    loaded: number;
    seconds: number;
    atEnd: { loaded: number; rows: number; elements: number };
    heapMiB: number | null;
  };
  refreshMs?: number;
  frames?: Frames[];
  live?: { heldBack: boolean; viewportShiftPx: number; buttonShown: string; shownAfterClick: boolean; atTopDirect: boolean };
  /** Milliseconds from clicking "Open trace" on the newest cycle to its trace painted, one per cold page. */
  traceOpen?: number[];
  /** The fleet pages of the FLEET_AGENTS-agent team: navigation start to the first row painted, cold, laptop and phone. */
  fleet?: { path: string; label: string; laptop: number[]; phone: number[] }[];
} = {};

let server: ChildProcess | null = null;
let browser: Browser | null = null;
let buildDir: string | null = null;
const keepBuild = Boolean(process.env.BENCH_BUILD_DIR);
try {
  buildDir = await prepareBuild();
  await applyMigrations(database.url);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = await startServer(buildDir, port);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });

  // A user through the sign-up API (as a person would), then their personal team gets the long history.
  const signUp = await browser.newContext();
  const email = `bench-${Date.now().toString(36)}@example.test`;
  const response = await signUp.request.post(`${base}/api/auth/sign-up/email`, {
    data: { name: "Bench Reader", email, password: "long-enough-password-7" },
    headers: { origin: base },
  });
  if (!response.ok()) throw new Error(`sign-up failed: ${response.status()} ${await response.text()}`);
  const storageState = await signUp.storageState();
  await signUp.close();

  const seed = new pg.Client({ connectionString: database.url });
  seed.on("error", () => {}); // the scratch database is dropped at the end, ending this connection
  await seed.connect();
  const teamId = (
    await seed.query<{ teamId: string }>(`SELECT m."teamId" FROM member m JOIN "user" u ON u.id = m."userId" WHERE u.email = $1`, [email])
  ).rows[0]!.teamId;
  const t0 = performance.now();
  const agentId = await seedLongHistoryAgent(seed, { teamId, events: EVENTS });
  await seedCycleTrace(seed, { agentId, teamId, cycle: Math.ceil(EVENTS / 3) });
  await seedFleet(seed, { teamId, agents: FLEET_AGENTS });
  await seedRuns(seed, { teamId, agentId });
  await seed.query("ANALYZE");
  results.seedSeconds = (performance.now() - t0) / 1000;
  log(
    `seeded ${EVENTS.toLocaleString("en-US")} events and ${FLEET_AGENTS.toLocaleString("en-US")} agents in ${results.seedSeconds.toFixed(1)} s`,
  );
  const url = `${base}/agents/${agentId}`;

  const laptopViewport = { viewport: { width: 1280, height: 800 } };
  const newContext = async (options: Parameters<Browser["newContext"]>[0] = laptopViewport) => {
    const context = await browser!.newContext({ ...options, storageState });
    await context.addInitScript(MARK_FIRST_CYCLE);
    return context;
  };

  // Warm-up: the server's first requests compile and cache; not counted.
  for (let i = 0; i < 3; i++) {
    const context = await newContext();
    await measureLoad(await context.newPage(), url);
    await context.close();
  }
  results.cold = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await newContext();
    results.cold.push(await measureLoad(await context.newPage(), url));
    await context.close();
  }
  summarise("cold", results.cold);
  // A cycle's trace: opened in a page that has just loaded (its request is the trace's own, not cached).
  results.traceOpen = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await newContext();
    const page = await context.newPage();
    await measureLoad(page, url);
    results.traceOpen.push(await page.evaluate(openTraceAndTime));
    await context.close();
  }
  log(`trace opened: p50 ${ms(percentile(results.traceOpen, 50))} p95 ${ms(percentile(results.traceOpen, 95))}`);
  results.warm = [];
  {
    const context = await newContext();
    const page = await context.newPage();
    await measureLoad(page, url);
    for (let i = 0; i < LOADS; i++) results.warm.push(await measureLoad(page, url));
    await context.close();
  }
  summarise("warm", results.warm);
  results.phone = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    results.phone.push(await measureLoad(page, url));
    await context.close();
  }
  summarise("phone", results.phone);

  // The fleet pages (issue 22): the team overview and the activity list of the whole team, cold.
  results.fleet = [];
  for (const fleetPage of FLEET_PAGES) {
    const laptop: number[] = [];
    const phone: number[] = [];
    for (let i = 0; i < LOADS + 2; i++) {
      const context = await browser.newContext({ ...laptopViewport, storageState });
      await context.addInitScript(MARK_FIRST_FLEET_ROW);
      const at = await measureFleetLoad(await context.newPage(), `${base}${fleetPage.path}`);
      if (i >= 2) laptop.push(at); // the first two warm the server's code paths
      await context.close();
    }
    for (let i = 0; i < Math.ceil(LOADS / 2); i++) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState });
      await context.addInitScript(MARK_FIRST_FLEET_ROW);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
      phone.push(await measureFleetLoad(page, `${base}${fleetPage.path}`));
      await context.close();
    }
    results.fleet.push({ path: fleetPage.path, label: fleetPage.label, laptop, phone });
    log(
      `${fleetPage.path}: usable p50 ${ms(percentile(laptop, 50))} p95 ${ms(percentile(laptop, 95))}; ` +
        `phone (CPU 4× slower) p50 ${ms(percentile(phone, 50))} p95 ${ms(percentile(phone, 95))}`,
    );
  }

  // DOM bound: scroll to the end until CYCLES_TO_LOAD cycles are loaded.
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('[data-testid="cycle"]').first().waitFor();
  const atTop = await page.evaluate(countDom);
  const s0 = performance.now();
  let loaded = await loadedCycles(page);
  while (loaded < CYCLES_TO_LOAD) {
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="timeline"]')?.getAttribute("data-loaded")) > n, loaded, {
      timeout: 15_000,
      polling: 50,
    });
    loaded = await loadedCycles(page);
  }
  const loadSeconds = (performance.now() - s0) / 1000;
  await page.waitForTimeout(300);
  const atEnd = await page.evaluate(countDom);
  const heap = await page.evaluate(
    () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null,
  );
  results.dom = { atTop, loaded, seconds: loadSeconds, atEnd, heapMiB: heap === null ? null : heap / 2 ** 20 };
  log(`loaded ${loaded} cycles in ${loadSeconds.toFixed(1)} s: ${atEnd.rows} rows, ${atEnd.elements} elements in the DOM`);

  // Smoothness: the display's frame interval at rest, then frames while scrolling through the loaded history.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(500);
  results.refreshMs = await page.evaluate(idleFrameInterval);
  results.frames = [];
  for (const [label, pxPerFrame, maxFrames] of [
    ["reading pace, 25 px a frame", 25, 600],
    ["fast, 120 px a frame", 120, 1200],
    ["flinging, 400 px a frame", 400, 600],
  ] as const) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(500);
    const frames = await page.evaluate(scrollAndMeasure, { pxPerFrame, maxFrames, refreshMs: results.refreshMs });
    results.frames.push({ label, pxPerFrame, ...frames });
    log(
      `scroll ${label}: ${frames.frames} frames, p95 ${ms(frames.p95)}, dropped ${frames.dropped}, long frames ${frames.longFrames} (script ${frames.longFrameScriptMs.toFixed(0)} ms), ≤${frames.maxRows} rows`,
    );
  }

  // Live: a reader down in the history is not moved by new cycles; at the top they appear directly.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.evaluate(() => window.scrollBy(0, 3000));
  await page.waitForTimeout(500);
  const before = await page.evaluate(firstRowInView);
  const loadedBefore = await loadedCycles(page);
  let seq = EVENTS;
  let cycle = Math.ceil(EVENTS / 3);
  const append = async (cycles: number) => {
    await appendCycles(seed, { agentId, teamId, afterSeq: seq, afterCycle: cycle, cycles });
    seq += cycles * 3;
    cycle += cycles;
  };
  await append(3);
  const button = page.getByTestId("new-cycles");
  await button.waitFor({ timeout: 15_000 });
  const buttonShown = (await button.textContent()) ?? "";
  const after = await page.evaluate(firstRowInView);
  const heldBack = (await loadedCycles(page)) === loadedBefore;
  if (SCREENSHOTS) await page.screenshot({ path: path.join(ROOT, "docs/screenshots/agent-timeline-new-cycles.png") });
  await button.click();
  const shownAfterClick = await page
    .locator(`[data-testid="cycle"][data-cycle="${cycle}"]`)
    .waitFor({ timeout: 5_000 })
    .then(() => true)
    .catch(() => false);
  await append(1);
  const atTopDirect = await page
    .locator(`[data-testid="cycle"][data-cycle="${cycle}"]`)
    .waitFor({ timeout: 15_000 })
    .then(async () => (await button.count()) === 0)
    .catch(() => false);
  results.live = {
    heldBack,
    viewportShiftPx: before && after && before.cycle === after.cycle ? Math.abs(after.top - before.top) : NaN,
    buttonShown: buttonShown.trim(),
    shownAfterClick,
    atTopDirect,
  };
  log(`live: ${JSON.stringify(results.live)}`);
  await context.close();

  if (SCREENSHOTS) await takeScreenshots(newContext, url);
  await seed.end();
} catch (error) {
  console.error(error);
  await shutdown();
  process.exit(1);
}
await shutdown();

async function shutdown() {
  await browser?.close().catch(() => {});
  if (server?.pid && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
  }
  await database.cleanup().catch((error: Error) => log(`cleanup failed: ${error.message}`));
  if (buildDir && !keepBuild) await rm(buildDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Build and server

async function prepareBuild(): Promise<string> {
  const dir = process.env.BENCH_BUILD_DIR
    ? path.resolve(process.env.BENCH_BUILD_DIR)
    : await mkdtemp(path.join(os.tmpdir(), "longhaul-bench-app-"));
  if (existsSync(path.join(dir, ".next", "BUILD_ID"))) {
    log(`reusing the build in ${dir} (delete it to rebuild)`);
    return dir;
  }
  const skip = new Set(["node_modules", ".next", ".git", ".data", "test-results", "playwright-report", "coverage"]);
  await mkdir(dir, { recursive: true });
  await cp(ROOT, dir, { recursive: true, filter: (source) => !skip.has(path.relative(ROOT, source).split(path.sep)[0]!) });
  // Turbopack does not follow a node_modules symlink out of the project: hard links cost no space.
  const linked = spawnSync("cp", ["-al", path.join(ROOT, "node_modules"), path.join(dir, "node_modules")]);
  if (linked.status !== 0) {
    log("copying node_modules (no hard links across filesystems; set TMPDIR to a directory on the project's filesystem to avoid this)");
    await rm(path.join(dir, "node_modules"), { recursive: true, force: true });
    await cp(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), { recursive: true, verbatimSymlinks: true });
  }
  log(`building the app in ${dir} ...`);
  const t0 = performance.now();
  const build = spawnSync(process.execPath, [path.join(dir, "node_modules/next/dist/bin/next"), "build"], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);
  results.buildSeconds = (performance.now() - t0) / 1000;
  log(`built in ${results.buildSeconds.toFixed(0)} s`);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(dir: string, port: number): Promise<ChildProcess> {
  // As `npm start` serves it: Next behind Longhaul's HTTP front (scripts/serve.ts).
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(dir, "scripts/serve.ts")], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      APP_URL: `http://127.0.0.1:${port}`,
      HOST: "127.0.0.1",
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`the app server exited (${child.exitCode}):\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/sign-in`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  child.kill("SIGTERM");
  throw new Error(`the app server did not answer within 60 s:\n${output}`);
}

// ---------------------------------------------------------------------------------------------
// Measurements (functions passed to page.evaluate run in the page)

async function measureLoad(page: Page, url: string): Promise<Load> {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => (window as unknown as { __firstCycle?: unknown }).__firstCycle !== undefined, null, {
    timeout: 30_000,
    polling: 10,
  });
  const first = page.locator('[data-testid="cycle"]').first();
  await first.locator("summary").click();
  await first.getByText("Recalled memories").waitFor();
  return page.evaluate(() => {
    const clickAnswered = performance.now();
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const timeline = performance.getEntriesByType("resource").find((e) => e.name.includes("agent.timeline")) as
      PerformanceResourceTiming | undefined;
    const mark = (window as unknown as { __firstCycle: { rendered: number; painted: number } }).__firstCycle;
    return {
      ttfb: nav.responseStart,
      domContentLoaded: nav.domContentLoadedEventEnd,
      timelineRequest: timeline?.startTime ?? NaN,
      timelineResponse: timeline?.responseEnd ?? NaN,
      rowRendered: mark.rendered,
      usable: mark.painted,
      clickAnswered,
    };
  });
}

/** Navigation start to the fleet page's first row painted (MARK_FIRST_FLEET_ROW). */
async function measureFleetLoad(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => (window as unknown as { __firstFleetRow?: unknown }).__firstFleetRow !== undefined, null, {
    timeout: 30_000,
    polling: 10,
  });
  return page.evaluate(() => (window as unknown as { __firstFleetRow: { painted: number } }).__firstFleetRow.painted);
}

function summarise(label: string, loads: Load[]) {
  const p50 = (key: keyof Load) =>
    percentile(
      loads.map((l) => l[key]),
      50,
    ).toFixed(0);
  const usable = loads.map((l) => l.usable);
  log(
    `${label}: usable p50 ${ms(percentile(usable, 50))} p95 ${ms(percentile(usable, 95))} (n=${loads.length}; p50 TTFB ${p50("ttfb")}, ` +
      `DOMContentLoaded ${p50("domContentLoaded")}, timeline requested ${p50("timelineRequest")}, received ${p50("timelineResponse")}, row rendered ${p50("rowRendered")})`,
  );
}

function loadedCycles(page: Page) {
  return page.evaluate(() => Number(document.querySelector('[data-testid="timeline"]')?.getAttribute("data-loaded") ?? 0));
}

function countDom() {
  return {
    loaded: Number(document.querySelector('[data-testid="timeline"]')?.getAttribute("data-loaded") ?? 0),
    rows: document.querySelectorAll('[data-testid="cycle"]').length,
    elements: document.getElementsByTagName("*").length,
  };
}

/** The median requestAnimationFrame interval with nothing happening: the display's refresh as the browser runs it. */
function idleFrameInterval(): Promise<number> {
  return new Promise((resolve) => {
    const deltas: number[] = [];
    let last = 0;
    const tick = (now: number) => {
      if (last) deltas.push(now - last);
      last = now;
      if (deltas.length < 120) requestAnimationFrame(tick);
      else resolve(deltas.sort((a, b) => a - b)[Math.floor(deltas.length / 2)]!);
    };
    requestAnimationFrame(tick);
  });
}

/** Scrolls the window by `pxPerFrame` every frame until the end of the loaded rows (or `maxFrames`), timing each frame. */
function scrollAndMeasure({ pxPerFrame, maxFrames, refreshMs }: { pxPerFrame: number; maxFrames: number; refreshMs: number }) {
  return new Promise<Omit<Frames, "label" | "pxPerFrame">>((resolve) => {
    const list = document.querySelector<HTMLElement>('[data-testid="timeline"]')!;
    // Stop three screens before the end, so no older page is fetched during the measurement.
    const stopAt = list.getBoundingClientRect().top + window.scrollY + list.offsetHeight - 3 * window.innerHeight;
    // Long animation frames say what a slow frame was spent on: the page's scripts, rendering, or neither
    // (the main thread waiting for a CPU).
    type LongFrame = PerformanceEntry & { renderStart: number; scripts: { duration: number }[] };
    const longFrames: { script: number; render: number }[] = [];
    const observer = new PerformanceObserver((entries) =>
      (entries.getEntries() as LongFrame[]).forEach((e) =>
        longFrames.push({
          script: e.scripts.reduce((n, s) => n + s.duration, 0),
          render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
        }),
      ),
    );
    observer.observe({ type: "long-animation-frame" });
    const deltas: number[] = [];
    let maxRows = 0;
    let last = 0;
    const tick = (now: number) => {
      if (last) deltas.push(now - last);
      last = now;
      if (deltas.length % 10 === 0) maxRows = Math.max(maxRows, list.querySelectorAll('[data-testid="cycle"]').length);
      if (window.scrollY + pxPerFrame < stopAt && deltas.length < maxFrames) {
        window.scrollBy(0, pxPerFrame);
        requestAnimationFrame(tick);
        return;
      }
      observer.disconnect();
      const sorted = [...deltas].sort((a, b) => a - b);
      const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
      resolve({
        frames: deltas.length,
        p50: at(50),
        p95: at(95),
        p99: at(99),
        max: sorted.at(-1) ?? NaN,
        // Frames the display showed without a new one from the page: each delta covers round(delta / refresh) refreshes.
        dropped: deltas.reduce((n, d) => n + Math.max(0, Math.round(d / refreshMs) - 1), 0),
        longFrames: longFrames.length,
        longFrameScriptMs: longFrames.reduce((n, f) => n + f.script, 0),
        longFrameRenderMs: longFrames.reduce((n, f) => n + f.render, 0),
        maxRows,
      });
    };
    requestAnimationFrame(tick);
  });
}

/** The first cycle row whose top is in the viewport, and where. */
function firstRowInView() {
  const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="cycle"]')];
  const row = rows.map((r) => ({ cycle: Number(r.dataset.cycle), top: r.getBoundingClientRect().top })).filter((r) => r.top >= 0);
  return row.sort((a, b) => a.top - b.top)[0] ?? null;
}

/** New cycles, as the agent loop would write them: thought, tool call, result, and the agent's counters. */
async function appendCycles(
  client: pg.Client,
  {
    agentId,
    teamId,
    afterSeq,
    afterCycle,
    cycles,
  }: { agentId: string; teamId: string; afterSeq: number; afterCycle: number; cycles: number },
) {
  await client.query(
    `INSERT INTO agent_event ("agentId", "teamId", seq, cycle, type, payload, "tokensIn", "tokensOut", "costUsd", "durationMs")
     SELECT $1, $2, $3::int + s, $4::int + (s + 2) / 3, (ARRAY['thought','tool_call','tool_result']::"EventType"[])[1 + (s - 1) % 3],
            jsonb_build_object('content', 'A new cycle', 'name', 'update_world_state', 'status', 'succeeded'),
            CASE WHEN (s - 1) % 3 = 0 THEN 1800 ELSE 0 END, CASE WHEN (s - 1) % 3 = 0 THEN 60 ELSE 0 END, 0, NULL
       FROM generate_series(1, $5::int * 3) AS s`,
    [agentId, teamId, afterSeq, afterCycle, cycles],
  );
  await client.query(`UPDATE agent SET "lastEventSeq" = $2, "eventCount" = $2, "cycleCount" = $3 WHERE id = $1`, [
    agentId,
    afterSeq + cycles * 3,
    afterCycle + cycles,
  ]);
}

/** docs/screenshots/agent-timeline-*.png: light and dark, laptop and phone, one cycle open. */
async function takeScreenshots(newContext: (options?: Parameters<Browser["newContext"]>[0]) => Promise<BrowserContext>, url: string) {
  for (const [name, viewport] of [
    ["laptop", { width: 1280, height: 900 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    for (const colorScheme of ["light", "dark"] as const) {
      const context = await newContext({ viewport, colorScheme });
      const page = await context.newPage();
      await page.goto(url);
      // A full seeded cycle (the live check above added a few plainer ones on top).
      const opened = page.locator(`[data-testid="cycle"][data-cycle="${Math.floor(EVENTS / 3)}"]`);
      await opened.locator("summary").click();
      await opened.getByText("Recalled memories").waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.textContent === "Live");
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: path.join(ROOT, `docs/screenshots/agent-timeline-${colorScheme}-${name}.png`) });
      await context.close();
    }
  }
  log("wrote docs/screenshots/agent-timeline-*.png");
}

// ---------------------------------------------------------------------------------------------
// Results

const stats = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95) });
const loadRows = (label: string, loads: Load[]) => {
  const u = stats(loads.map((l) => l.usable));
  const cell = (key: keyof Load) => {
    const s = stats(loads.map((l) => l[key]));
    return `${s.p50.toFixed(0)} / ${s.p95.toFixed(0)}`;
  };
  return `| ${label} | ${cell("ttfb")} | ${cell("domContentLoaded")} | ${cell("timelineRequest")} | ${cell("timelineResponse")} | **${u.p50.toFixed(0)} / ${u.p95.toFixed(0)}** | ${cell("clickAnswered")} | ${u.p95 <= TARGET_USABLE_MS ? "met" : "missed"} |`;
};
/** One sentence on a cold load's p50 phases. */
function whereTimeGoes(loads: Load[]) {
  const p50 = (key: keyof Load) =>
    percentile(
      loads.map((l) => l[key]),
      50,
    );
  const scripts = p50("timelineRequest") - p50("domContentLoaded");
  const api = p50("timelineResponse") - p50("timelineRequest");
  const render = p50("usable") - p50("timelineResponse");
  return (
    `Where a cold load's time goes (p50): ${p50("domContentLoaded").toFixed(0)} ms until the HTML is parsed, ${scripts.toFixed(0)} ms fetching, ` +
    `compiling and hydrating the scripts until the page asks for its data (one batched request: the team, the agent and the ` +
    `first timeline page), ${api.toFixed(0)} ms for that request, ${render.toFixed(0)} ms to render and paint the page with its first rows. ` +
    `The page's data is fetched by the browser after hydration; rendering the agent and the first page on the server (prefetched into ` +
    `the HTML) would save that request.`
  );
}
const dom = results.dom;
const frames = results.frames;
const live = results.live;
const md = `# Agent page and fleet pages in a browser

Measured ${started.toISOString()} on ${machineFacts().line}; database: ${database.label}; Chromium: ${chromiumPath}
(headless, software rendering: \`--disable-gpu\`, the flags of playwright.config.ts).
Load average (1 min) at the start and the end: ${loadAtStart.toFixed(1)} and ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs (the app server, the database and
Chromium share them, and other work on the machine shows there).

Rerun: \`BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node --conditions=react-server --import tsx bench/dashboard-browser.ts\`
(part of \`npm run bench\`; \`BENCH_BROWSER_EVENTS\`, \`BENCH_BROWSER_LOADS\`, \`BENCH_BROWSER_CYCLES\`, \`CHROMIUM_PATH\`;
\`BENCH_BUILD_DIR=<dir>\` keeps and reuses the build; \`BENCH_BROWSER_SCREENSHOTS=1\` also writes docs/screenshots/agent-timeline-*.png).
A production build of the working tree (${results.buildSeconds === undefined ? "reused from BENCH_BUILD_DIR" : `built in ${results.buildSeconds.toFixed(0)} s in a scratch copy`}) served by \`scripts/serve.ts\` (Next behind the app's HTTP front)
on 127.0.0.1, one signed-in user (signed up through the auth API), whose team has an agent with ${EVENTS.toLocaleString("en-US")} events
(${Math.ceil(EVENTS / 3).toLocaleString("en-US")} cycles of thought, tool call and result; seeded with SQL in ${results.seedSeconds.toFixed(1)} s). The page is \`/agents/<id>\`.

## Usable (target: within ${TARGET_USABLE_MS} ms)

"Usable" is the time from navigation start until the first cycle row is rendered and painted (a MutationObserver
added before the page's scripts notes the first row with a size; the time is taken after the next frame). The rows
are rendered in the browser after hydration (the page's data is fetched by the client), so a painted row already
answers a click. "Click answered" is when a real click on that row (Playwright) has opened it and its recalled
memories are shown: an upper bound that includes the test driver's round trips. Milliseconds from navigation start, p50 / p95.

| ${LOADS} loads each | server response (TTFB) | DOM content loaded | timeline page requested | received | usable | click answered | target |
| --- | --- | --- | --- | --- | --- | --- | --- |
${loadRows("cold: new browser context each load, 1280 × 800", results.cold)}
${loadRows("warm: one context, scripts cached", results.warm)}
${loadRows("phone: 390 × 844, touch, CPU slowed 4×, cold", results.phone)}

${whereTimeGoes(results.cold)}

## A cycle's trace opened (target: within ${TARGET_TRACE_MS} ms)

The newest cycle carries a recorded trace as the loop writes one (bench/cycle-trace-seed.ts: nine spans; the prompt by
reference with a 6,000-character summary, a 2 KB world state, seven memories, eight cycles' events and the built-in tools'
schemas). In a page that has just loaded and opened that cycle's row, a click on "Open trace" until the trace's reply is
rendered and the next frame painted (timed in the page): the trace's request (its blobs unpacked and the messages rebuilt
with the loop's renderPrompt on the server), then the render. ${LOADS} cold pages: p50 **${percentile(results.traceOpen, 50).toFixed(0)} ms**, p95 **${percentile(results.traceOpen, 95).toFixed(0)} ms**
(${percentile(results.traceOpen, 95) <= TARGET_TRACE_MS ? "met" : "missed"}).

## The fleet pages (target: usable within ${TARGET_USABLE_MS} ms)

The same team also holds ${FLEET_AGENTS.toLocaleString("en-US")} agents (varied statuses, spend every hour for the 500 most active; bench/lib.ts
seedFleet) and runs: the long-history agent's cycles in runs of 50 (one tool call in 40 failed) and one completed run for
each agent that was ever active (seedRuns). "Usable" is navigation start until the page's first row of data is painted
(the overview's status counts; the activity list's first cycle or run), in a new browser context each load (after two
loads that warm the server). The activity list opens on the last 24 hours (8,640 of the ${EVENTS.toLocaleString("en-US")} events).

| page | laptop 1280 × 800, ${LOADS} cold loads: p50 / p95 | phone 390 × 844, CPU 4× slower, ${Math.ceil(LOADS / 2)} cold loads: p50 / p95 | target |
| --- | --- | --- | --- |
${results.fleet
  .map(
    (f) =>
      `| ${f.label} (\`${f.path}\`) | ${percentile(f.laptop, 50).toFixed(0)} / ${percentile(f.laptop, 95).toFixed(0)} ms | ${percentile(f.phone, 50).toFixed(0)} / ${percentile(f.phone, 95).toFixed(0)} ms | laptop ${percentile(f.laptop, 95) <= TARGET_USABLE_MS ? "met" : "missed"}, phone ${percentile(f.phone, 95) <= TARGET_USABLE_MS ? "met" : "missed"} |`,
  )
  .join("\n")}

## DOM stays bounded

| | cycles loaded | rows in the DOM | elements in the document |
| --- | --- | --- | --- |
| after the page opened | ${dom.atTop.loaded} | ${dom.atTop.rows} | ${dom.atTop.elements.toLocaleString("en-US")} |
| after scrolling to the end until ${CYCLES_TO_LOAD.toLocaleString("en-US")}+ cycles were loaded | ${dom.atEnd.loaded.toLocaleString("en-US")} | ${dom.atEnd.rows} | ${dom.atEnd.elements.toLocaleString("en-US")} |

Loading them, 20 cycles a page (a page is fetched when the last rendered row comes within 20 rows of the end), took
${dom.seconds.toFixed(1)} s of scrolling to the end again and again. JS heap afterwards: ${dom.heapMiB === null ? "n/a" : `${dom.heapMiB.toFixed(1)} MiB`}.

## Scrolling

The window scrolled by a fixed distance in every animation frame through the ${dom.atEnd.loaded.toLocaleString("en-US")} loaded cycles (stopping three
screens before the end so that no page is fetched meanwhile), timing each frame (requestAnimationFrame deltas).
The browser's frame interval at rest here is ${results.refreshMs.toFixed(2)} ms; "dropped" counts display refreshes the page missed
(a delta of two intervals is one dropped frame). Long frames: animation frames over 50 ms (Long Animation Frames API),
with the time the page's scripts and the rendering (style, layout, paint) took in them; the rest of such a frame the
main thread spent waiting, which on a busy machine is waiting for a CPU.

| scroll | frames | frame p50 | frame p95 | frame p99 | worst | dropped | long frames (script / rendering in them) | rows in the DOM (max) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${frames.map((f) => `| ${f.label} | ${f.frames} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | ${ms(f.max)} | ${f.dropped} (${((100 * f.dropped) / (f.frames + f.dropped)).toFixed(1)} %) | ${f.longFrames} (${f.longFrameScriptMs.toFixed(0)} ms / ${f.longFrameRenderMs.toFixed(0)} ms) | ${f.maxRows} |`).join("\n")}

## Live cycles

Checked in the same page, with cycles written to the database as the agent loop writes them:

- Down in the history (3,000 px into the list), 3 new cycles: held back, not inserted above the reader: ${live.heldBack ? "yes" : "**no**"};
  the row at the top of the viewport moved by ${Number.isNaN(live.viewportShiftPx) ? "**n/a (another row was at the top)**" : `${live.viewportShiftPx.toFixed(0)} px`}; the button read “${live.buttonShown}”.
- Clicking it shows the newest cycle at the top: ${live.shownAfterClick ? "yes" : "**no**"}.
- At the top, a new cycle appears directly, without the button: ${live.atTopDirect ? "yes" : "**no**"}.

Not measured: a real GPU and display (headless Chromium composites in software here, so frame times are, if anything,
pessimistic), a real phone, and network latency beyond localhost; the API side of the first page is in bench/results/dashboard.md.
`;
const dir = path.join(import.meta.dirname, "results");
await writeFile(path.join(dir, "dashboard-browser.md"), md);
await writeFile(
  path.join(dir, "dashboard-browser.json"),
  JSON.stringify({ measuredAt: started, machine: machineFacts(), events: EVENTS, loads: LOADS, ...results }, null, 2),
);
log("wrote bench/results/dashboard-browser.md");
process.exit(0);
