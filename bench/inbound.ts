/**
 * Inbound messages end to end: encrypted, signed WeCom callbacks POSTed over loopback HTTP to the
 * whole service as `npm start` wires it (startServices in WeCom mode, its API base pointed at a
 * local WeCom emulator). Each message is verified, decrypted, parsed, stored, acknowledged; then
 * the bot claims it, finds the registered sender and enqueues the reply in the outbox. The outbox
 * worker keeps running, as in production, and delivers replies to the emulator during the runs.
 *
 * Measured per database (the embedded PGlite in a temporary DATA_DIR, opened exactly as
 * `npm start` opens it; then a throwaway PostgreSQL database, created and dropped here):
 *   - burst: N messages from C concurrent keep-alive clients: ack throughput and latency, and the
 *     time until every reply is in the outbox (end-to-end throughput = N / that time);
 *   - steady: an open-loop offered load of R msg/s for S seconds: ack latency p50/p99/max.
 * The floor, in the same run: signature check + decryption + parseCallback on the same requests,
 * one thread, no I/O. The load generator runs in a worker thread (its own event loop and core).
 *
 *   npx tsx bench/inbound.ts
 *   TEST_DATABASE_URL=postgresql://… npx tsx bench/inbound.ts    another PostgreSQL server
 *   BENCH_DB=embedded npx tsx bench/inbound.ts                   one database only (or postgres)
 *   BENCH_N=5000 BENCH_CLIENTS=32 BENCH_SENDERS=500 BENCH_RATE=200 BENCH_STEADY_S=10   (defaults)
 *   BENCH_DB=postgres BENCH_INSTANCES=2 npx tsx bench/inbound.ts  two service instances (threads)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import pg from "pg";
import pino from "pino";
import { createSandboxCredentials } from "../src/channels/sandbox/sandbox-credentials";
import { loadConfig } from "../src/config";
import { type RunningServices, startServices } from "../src/main";
import { type Database, openDatabase } from "../src/store/database";
import { createIdCipher } from "../src/store/id-cipher";
import { listMigrations, MIGRATIONS_DIR } from "../src/store/migrate";
import { parseCallback } from "../src/wecom/callback";
import { createCallbackSender } from "../src/wecom/emulator/callback-sender";
import { createWecomEmulator } from "../src/wecom/emulator/wecom-emulator";
import { createThrowawayPostgres } from "../test/helpers/throwaway-postgres";

const N = Number(process.env.BENCH_N ?? 5_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
/** Registered cadres the messages come from (round robin): 5,000 + 2,000 messages stay under 30/min each. */
const SENDERS = Number(process.env.BENCH_SENDERS ?? 500);
const RATE = Number(process.env.BENCH_RATE ?? 200);
/**
 * Service instances on PostgreSQL (default 1): the extra ones run startServices on the same
 * database in worker threads, and the load generator spreads requests over them round robin, as
 * a load balancer would. The embedded database is one process by design: always 1 there.
 */
const INSTANCES = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 1));
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 10);
const WARMUP = 300;
const TEXT = "帮助";
const PG_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DBS = (process.env.BENCH_DB ?? "embedded,postgres").split(",").map((s) => s.trim());
/** How long to wait for replies or the outbox before calling the run broken. */
const PATIENCE_MS = Number(process.env.BENCH_PATIENCE_MS ?? 60_000);
const POLL_MS = 50;

interface Req {
  path: string;
  body: string;
  query: Record<string, string>;
}

interface ClientResult {
  /** Until the last answer. */
  elapsedMs: number;
  /** Until the last request was sent (open loop: the offered load's span). */
  sendMs: number;
  latencies: number[];
  non200: number;
  /** The first few non-200 answers: status and body. */
  failures: string[];
  /** Open loop: the most a request started after its scheduled time. */
  maxLagMs: number;
}

/**
 * The load generator, as plain JavaScript for a worker thread. `closed`: C lanes, each sends its
 * next request when the previous one is answered. `open`: request i starts at start + i/rate s
 * whatever the answers do (so a slow server cannot slow the offered load down).
 */
const CLIENT_JS = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { performance } = require("node:perf_hooks");
// A fresh pool per job: keep-alive sockets left idle between jobs are closed by the server
// (keepAliveTimeout), and reusing one as it closes fails the request.
let agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
function attempt(req, t0) {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: "127.0.0.1", port: req.port, path: req.path, method: "POST", agent,
        headers: { "content-type": "text/xml", "content-length": Buffer.byteLength(req.body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => { text += d; });
        res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - t0, text }));
      });
    r.on("error", (err) => { err.reusedSocket = r.reusedSocket; reject(err); });
    r.end(req.body);
  });
}
// Node's advice for keep-alive races: retry once when a reused socket was reset before any
// answer (the server had closed it). The latency counts from the first attempt.
async function post(req) {
  const t0 = performance.now();
  try {
    return await attempt(req, t0);
  } catch (err) {
    if (err.reusedSocket && (err.code === "ECONNRESET" || err.message === "socket hang up")) return attempt(req, t0);
    return { status: 0, ms: performance.now() - t0, text: String(err.code || err.message) };
  }
}
async function closed(reqs, clients) {
  const latencies = []; const failures = []; let non200 = 0; let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < reqs.length; i = next++) {
      const r = await post(reqs[i]);
      latencies.push(r.ms); if (r.status !== 200) { non200++; failures.push(r.status + " " + r.text.slice(0, 200)); }
    }
  }));
  const elapsedMs = performance.now() - t0;
  return { elapsedMs, sendMs: elapsedMs, latencies, non200, failures: failures.slice(0, 5), maxLagMs: 0 };
}
async function open(reqs, rate) {
  const latencies = []; const failures = []; let non200 = 0; let maxLagMs = 0; const pending = [];
  const interval = 1000 / rate; const t0 = performance.now(); let i = 0;
  while (i < reqs.length) {
    const now = performance.now();
    while (i < reqs.length && t0 + i * interval <= now) {
      maxLagMs = Math.max(maxLagMs, now - (t0 + i * interval));
      pending.push(post(reqs[i++]).then((r) => {
        latencies.push(r.ms); if (r.status !== 200) { non200++; failures.push(r.status + " " + r.text.slice(0, 200)); }
      }));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const sendMs = performance.now() - t0;
  await Promise.all(pending);
  return { elapsedMs: performance.now() - t0, sendMs, latencies, non200, failures: failures.slice(0, 5), maxLagMs };
}
parentPort.on("message", async (job) => {
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  try {
    const result = job.mode === "open" ? await open(job.reqs, job.rate) : await closed(job.reqs, job.clients);
    parentPort.postMessage({ ok: true, result });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.stack || err) });
  }
});
`;

function runClient(
  worker: Worker,
  ports: readonly number[],
  job: { mode: "closed"; reqs: Req[]; clients: number } | { mode: "open"; reqs: Req[]; rate: number },
): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    worker.once("error", onError);
    worker.once("message", (m: { ok: true; result: ClientResult } | { ok: false; error: string }) => {
      worker.off("error", onError);
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    // Round robin over the instances, as a load balancer would.
    worker.postMessage({
      ...job,
      reqs: job.reqs.map(({ path, body }, i) => ({ path, body, port: ports[i % ports.length] })),
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function latencySummary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

/** Progress on stderr, so that stdout keeps only the figures. */
let phase = "start";
let finished = false;
const progress = (what: string) => {
  phase = what;
  process.stderr.write(`  … ${what}\n`);
};
// Something (the embedded database's WASM runtime, for one) may end the process without an
// error; say so rather than leave a truncated report that looks like success.
process.on("exit", (code) => {
  if (!finished) {
    process.stderr.write(`bench ended unexpectedly during "${phase}" (exit code ${code})\n`);
    if (code === 0) process.exitCode = 1;
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `count()` until it reaches `target`; returns when it first did (ms since `since`). Slow is
 * measured, not failed: it gives up only when the count has not moved for PATIENCE_MS.
 */
async function waitUntil(
  what: string,
  since: number,
  count: () => Promise<number>,
  target: (n: number) => boolean,
): Promise<number> {
  let last = Number.NaN;
  let movedAt = performance.now();
  for (;;) {
    const n = await count();
    if (target(n)) return performance.now() - since;
    if (n !== last) {
      last = n;
      movedAt = performance.now();
    } else if (performance.now() - movedAt > PATIENCE_MS) {
      throw new Error(`gave up waiting for ${what}: stuck at ${n} for ${PATIENCE_MS / 1000} s`);
    }
    await sleep(POLL_MS);
  }
}

async function applyMigrations(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const m of listMigrations()) {
      await client.query(fs.readFileSync(path.join(MIGRATIONS_DIR, m, "migration.sql"), "utf8"));
    }
  } finally {
    await client.end();
  }
}

interface Figures {
  kind: "embedded" | "postgres";
  db: string;
  /** Load average (1 min) when the run ended. */
  loadAtEnd: number;
  floorPerS: number;
  burst: { ackPerS: number; ack: ReturnType<typeof latencySummary>; repliesMs: number; e2ePerS: number };
  /** Replies the outbox worker had delivered to the emulator when the last reply was enqueued. */
  sentAtReplies: number;
  /** From the burst's start until the outbox had delivered every reply. */
  drainMs: number;
  steady: { achievedPerS: number; maxLagMs: number; ack: ReturnType<typeof latencySummary> };
  /** From the last steady ack until the last steady reply was in the outbox. */
  steadyReplyTailMs: number;
}

/** Floor: signature check + decryption + parseCallback, one thread, no I/O, on the given requests. */
function measureFloor(reqs: Req[], config: { token: string; encodingAesKey: string; receiveId: string }) {
  const run = () => {
    const t = performance.now();
    for (const r of reqs) {
      const parsed = parseCallback({ method: "POST", query: r.query, rawBody: Buffer.from(r.body), config });
      if (parsed.kind !== "event") throw new Error("floor: not an event");
    }
    return performance.now() - t;
  };
  run(); // warm-up
  return reqs.length / (run() / 1000);
}

/** Waits for an extra instance to listen; returns its port. */
function instanceStarted(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (m: { port?: number; error?: string }) => {
      worker.off("error", reject);
      if (m.port) resolve(m.port);
      else reject(new Error(`instance failed to start: ${m.error}`));
    });
  });
}

/** Stops an extra instance (HTTP, outbox worker, database pool), then ends its thread. */
async function stopInstance(worker: Worker): Promise<void> {
  await Promise.race([
    new Promise<void>((resolve) => {
      worker.once("message", () => resolve());
      worker.once("error", () => resolve());
      worker.postMessage("stop");
    }),
    sleep(10_000),
  ]);
  await worker.terminate();
}

async function measure(kind: "embedded" | "postgres"): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bb-bench-"));
  let dropPg: (() => Promise<void>) | undefined;
  let db: Database;
  let pgUrl: string | undefined;
  if (kind === "postgres") {
    const throwaway = await createThrowawayPostgres(PG_URL);
    dropPg = throwaway.drop;
    pgUrl = throwaway.url;
    db = await openDatabase({ databaseUrl: throwaway.url, dataDir });
  } else {
    // The embedded database exactly as `npm start` opens it: PGlite in DATA_DIR on a Unix socket.
    db = await openDatabase({ databaseUrl: undefined, dataDir });
  }
  let running: RunningServices | undefined;
  let emulatorServer: { url: string; close(): Promise<void> } | undefined;
  let client: Worker | undefined;
  const instances: Worker[] = [];
  try {
    await applyMigrations(db.url);
    progress(`${kind}: database ready`);
    const creds = createSandboxCredentials();
    const emulator = createWecomEmulator({ ...creds, now: () => new Date() });
    emulatorServer = await emulator.listen(0, "127.0.0.1");
    // WeCom mode with the API base on the emulator: production wiring, nothing sandbox-specific.
    const env = {
      PORT: "0",
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      WECOM_CORP_ID: creds.corpId,
      WECOM_AGENT_ID: String(creds.agentId),
      WECOM_SECRET: creds.secret,
      WECOM_TOKEN: creds.token,
      WECOM_ENCODING_AES_KEY: creds.encodingAesKey,
      WECOM_API_BASE: emulatorServer.url,
    };
    const config = loadConfig(env);
    running = await startServices({
      config,
      db,
      cipher: createIdCipher(Buffer.alloc(32, 7)),
      now: () => new Date(),
      logger: pino({ level: process.env.BENCH_LOG ?? "silent" }),
    });
    const { store } = running;
    const county = await store.regions.create({ code: "C", name: "示范县", level: "county" });
    const town = await store.regions.create({
      code: "T",
      name: "示范镇",
      level: "township",
      parentId: county.id,
    });
    const village = await store.regions.create({
      code: "V",
      name: "青山村",
      level: "village",
      parentId: town.id,
    });
    for (let i = 0; i < SENDERS; i++) {
      await store.cadres.create({
        userid: `u${i}`,
        name: `干部${i}`,
        roles: ["guarantor"],
        homeRegionId: village.id,
      });
    }

    // Every request signed and encrypted up front, so the client spends nothing on crypto.
    const sender = createCallbackSender({ ...creds, now: () => new Date() });
    let msgId = BigInt(Date.now()) * 1_000_000n;
    const make = (n: number): Req[] =>
      Array.from({ length: n }, (_, i) => {
        const r = sender.text({ fromUserId: `u${i % SENDERS}`, content: TEXT, msgId: String(msgId++) });
        return { path: `/wecom/callback?${r.queryString}`, body: r.body, query: r.query };
      });
    const warmup = make(WARMUP);
    const burst = make(N);
    const steady = make(RATE * STEADY_S);

    progress(`${kind}: ${SENDERS} cadres seeded, ${WARMUP + N + steady.length} callbacks encrypted`);
    const floorPerS = measureFloor(burst, {
      token: creds.token,
      encodingAesKey: creds.encodingAesKey,
      receiveId: creds.corpId,
    });

    const ports = [running.port];
    if (pgUrl) {
      for (let i = 1; i < INSTANCES; i++) {
        const instance = new Worker(
          `require("tsx/cjs"); require(${JSON.stringify(path.join(__dirname, "inbound-instance.ts"))});`,
          {
            eval: true,
            workerData: { databaseUrl: pgUrl, env, logLevel: process.env.BENCH_LOG ?? "silent" },
          },
        );
        instances.push(instance);
        ports.push(await instanceStarted(instance));
      }
      if (INSTANCES > 1) progress(`${kind}: ${INSTANCES} instances listening on ports ${ports.join(", ")}`);
    }
    client = new Worker(CLIENT_JS, { eval: true });
    // Polled while the service works, so they must be cheap: index scans over the rows of the
    // current phase only. The bot marks a message processed in the transaction that enqueues its
    // reply, so "processed" means "reply in the outbox" (the end checks every one has a reply).
    const lastInboundId = async () =>
      (await db.prisma.inboundMessage.aggregate({ _max: { id: true } }))._max.id ?? 0;
    const repliedAfter = (id: number) =>
      db.prisma.inboundMessage.count({ where: { id: { gt: id }, status: "processed" } });
    const undelivered = () =>
      db.prisma.outboundMessage.count({ where: { status: { in: ["pending", "sending"] } } });
    /** Messages with a reply (a long reply is split into `…#1`, `…#2`; count the first parts). */
    const replies = () =>
      db.prisma.outboundMessage.count({
        where: { idempotencyKey: { startsWith: "reply:", endsWith: "#1" } },
      });

    // Warm-up: JIT, connection pools, the access token; then an empty outbox.
    progress(`${kind}: floor measured, warm-up`);
    const w = await runClient(client, ports, { mode: "closed", reqs: warmup, clients: CLIENTS });
    if (w.non200 > 0)
      throw new Error(`${w.non200} warm-up callbacks not answered 200, e.g. ${w.failures.join(" | ")}`);
    await waitUntil(
      "warm-up replies",
      performance.now(),
      () => repliedAfter(0),
      (n) => n >= WARMUP,
    );
    await waitUntil("warm-up delivery", performance.now(), undelivered, (n) => n === 0);
    const sentBefore = (await store.outbox.countByStatus()).sent;
    let base = await lastInboundId();

    // Burst: N messages from C concurrent clients.
    progress(`${kind}: burst`);
    const t0 = performance.now();
    const ackRun = runClient(client, ports, { mode: "closed", reqs: burst, clients: CLIENTS });
    let clientError: unknown;
    ackRun.catch((err) => {
      clientError = err;
    });
    const burstBase = base;
    const repliesMs = await waitUntil(
      "burst replies",
      t0,
      async () => {
        if (clientError) throw clientError;
        return repliedAfter(burstBase);
      },
      (n) => n >= N,
    );
    const sentAtReplies = (await store.outbox.countByStatus()).sent - sentBefore;
    const ack = await ackRun;
    if (ack.non200 > 0) {
      throw new Error(`${ack.non200} burst callbacks not answered 200, e.g. ${ack.failures.join(" | ")}`);
    }
    const drainMs = await waitUntil("outbox drain", t0, undelivered, (n) => n === 0);

    // Steady: an open-loop offered load.
    progress(`${kind}: steady load`);
    base = await lastInboundId();
    const steadyRun = await runClient(client, ports, { mode: "open", reqs: steady, rate: RATE });
    if (steadyRun.non200 > 0) {
      throw new Error(
        `${steadyRun.non200} steady callbacks not answered 200, e.g. ${steadyRun.failures.join(" | ")}`,
      );
    }
    const steadyBase = base;
    const tail = await waitUntil(
      "steady replies",
      performance.now(),
      () => repliedAfter(steadyBase),
      (n) => n >= steady.length,
    );

    // Every message stored once and processed, one reply each, no failure notice.
    const expected = WARMUP + N + steady.length;
    const byStatus = await db.prisma.inboundMessage.groupBy({ by: ["status"], _count: { _all: true } });
    const processed = byStatus.find((g) => g.status === "processed")?._count._all ?? 0;
    const errors = await db.prisma.outboundMessage.count({
      where: { idempotencyKey: { startsWith: "error:" } },
    });
    const replyCount = await replies();
    if (processed !== expected || replyCount !== expected || errors !== 0) {
      throw new Error(
        `expected ${expected} processed messages and replies; inbound ${JSON.stringify(byStatus)}, ` +
          `${replyCount} replies, ${errors} failure notices`,
      );
    }
    if (emulator.violations().length > 0) {
      throw new Error(`WeCom limits broken: ${JSON.stringify(emulator.violations().slice(0, 3))}`);
    }

    return {
      kind,
      db:
        kind === "embedded"
          ? "embedded (PGlite)"
          : `PostgreSQL${INSTANCES > 1 ? `, ${INSTANCES} service instances` : ""}`,
      loadAtEnd: os.loadavg()[0] ?? Number.NaN,
      floorPerS,
      burst: {
        ackPerS: N / (ack.elapsedMs / 1000),
        ack: latencySummary(ack.latencies),
        repliesMs,
        e2ePerS: N / (repliesMs / 1000),
      },
      sentAtReplies,
      drainMs,
      steady: {
        achievedPerS: steady.length / (steadyRun.sendMs / 1000),
        maxLagMs: steadyRun.maxLagMs,
        ack: latencySummary(steadyRun.latencies),
      },
      steadyReplyTailMs: tail,
    };
  } finally {
    await client?.terminate();
    await Promise.all(instances.map(stopInstance));
    if (running) await running.stop();
    else await db.close();
    await emulatorServer?.close();
    await dropPg?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgresReachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => {});
  }
}

async function main() {
  const f = (n: number) => Math.round(n).toLocaleString("en-US");
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const s = (n: number) => `${(n / 1000).toFixed(2)} s`;
  console.log(
    `inbound bench: ${f(N)} messages ("${TEXT}") from ${f(SENDERS)} registered senders, ${CLIENTS} concurrent ` +
      `keep-alive clients; then ${RATE} msg/s offered for ${STEADY_S} s; outbox worker running ` +
      `(delivers the replies to a local WeCom emulator during the runs)` +
      (INSTANCES > 1 ? `; PostgreSQL with ${INSTANCES} service instances (worker threads, round robin)` : ""),
  );
  // Other work on the machine skews every figure: say how busy it was.
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]?.toFixed(2)} at start`);
  const runs: Figures[] = [];
  let failed = false;
  for (const kind of DBS) {
    if (kind !== "embedded" && kind !== "postgres") throw new Error(`BENCH_DB: unknown database ${kind}`);
    if (kind === "postgres") {
      const why = await postgresReachable();
      if (why) {
        console.log(
          `PostgreSQL at ${PG_URL} unreachable (${why}): PostgreSQL run skipped, target not checked`,
        );
        failed = true;
        continue;
      }
    }
    let r: Figures;
    try {
      r = await measure(kind);
    } catch (err) {
      console.log(`\n${kind}: FAILED — ${(err as Error).message}`);
      failed = true;
      continue;
    }
    runs.push(r);
    console.log(`\n${r.db} (load average ${r.loadAtEnd.toFixed(2)} at the end)`);
    console.log(`  floor (verify + decrypt + parseCallback, 1 thread, no I/O)  ${f(r.floorPerS)} msg/s`);
    console.log(
      `  burst ${f(N)} msgs, ${CLIENTS} clients: acks ${f(r.burst.ackPerS)} msg/s ` +
        `(ack p50 ${ms(r.burst.ack.p50)}, p99 ${ms(r.burst.ack.p99)}, max ${ms(r.burst.ack.max)})`,
    );
    console.log(
      `  all ${f(N)} replies enqueued after ${s(r.burst.repliesMs)} -> end-to-end ${f(r.burst.e2ePerS)} msg/s ` +
        `· ratio to floor ${(r.burst.e2ePerS / r.floorPerS).toFixed(3)}`,
    );
    console.log(
      `  outbox: ${f(r.sentAtReplies)} of them already delivered at that moment, all delivered after ${s(r.drainMs)}`,
    );
    console.log(
      `  steady ${RATE} msg/s offered for ${STEADY_S} s (sent at ${f(r.steady.achievedPerS)} msg/s, ` +
        `max send lag ${ms(r.steady.maxLagMs)}): ack p50 ${ms(r.steady.ack.p50)}, p99 ${ms(r.steady.ack.p99)}, ` +
        `max ${ms(r.steady.ack.max)}; last reply enqueued ${ms(r.steadyReplyTailMs)} after the last ack`,
    );
  }
  const pgRun = runs.find((r) => r.kind === "postgres");
  console.log("\ntargets");
  if (pgRun) {
    console.log(
      `  ${pgRun.db} end-to-end >= 1,000 msg/s: ${f(pgRun.burst.e2ePerS)} ${pgRun.burst.e2ePerS >= 1000 ? "met" : "MISSED"}`,
    );
  }
  for (const r of runs) {
    console.log(
      `  ${r.db} ack p99 < 50 ms at ${RATE} msg/s: ${ms(r.steady.ack.p99)} ${r.steady.ack.p99 < 50 ? "met" : "MISSED"}`,
    );
  }
  if (failed) process.exitCode = 1;
  finished = true;
}

main().catch((err) => {
  finished = true;
  console.error(err);
  process.exit(1);
});
