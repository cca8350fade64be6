/**
 * Wiring: config → database → migrations → key check → demo seed → HTTP. The only place where
 * concrete implementations meet, and (with config.ts) the only place that reads the clock and env.
 */
import crypto from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { createBot } from "./bot/bot";
import { createPlanTaskSource } from "./bot/commands/plan-task-source";
import { createDispatcher } from "./bot/dispatch";
import { loadTemplates } from "./bot/templates";
import { createAppDeliver } from "./channels/app-channel";
import { loadTaskIdNamespace } from "./channels/task-id-namespace";
import { createSandboxCredentials } from "./channels/sandbox/sandbox-credentials";
import { sandboxRoutes } from "./channels/sandbox/sandbox-routes";
import { wecomCallbackRoutes } from "./http/routes/wecom-callback";
import { createOutboxWorker } from "./outbox/outbox-worker";
import { createPlanner } from "./planning/planner";
import { createInboundRecorder } from "./store/inbound-recorder";
import { createStore, type Store } from "./store/store";
import { PrismaTokenStore } from "./store/token-repository";
import { createWecomClient } from "./wecom/client";
import { createCallbackSender } from "./wecom/emulator/callback-sender";
import { createWecomEmulator, type WecomEmulator } from "./wecom/emulator/wecom-emulator";
import { type Config, ConfigError, loadConfig } from "./config";
import { createApp } from "./http/app";
import { createMetrics } from "./http/metrics";
import { createLogger, type Logger } from "./logger";
import { type Database, openDatabase } from "./store/database";
import { createIdCipher, type IdCipher } from "./store/id-cipher";
import { checkKeyFingerprint } from "./store/key-check";
import { migrateDeploy, readMigrationStatus } from "./store/migrate";
import { loadSecretKey } from "./store/secret-key";
import { seedDemoIfEmpty } from "./store/seed/seed-demo";
// Cadence engine (issue 5).
import { DEFAULT_CADENCE_POLICIES } from "./domain/cadence-defaults";
import { JOB_TABLE } from "./jobs/job-table";
import { createScheduler } from "./jobs/scheduler";
import { startLadderLoop } from "./jobs/incident-ladder"; // incident ladder (issue 6)
import { PrismaPolicyRepository } from "./store/policy-repository";
import { PrismaSettingRepository } from "./store/setting-repository";

export async function main(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ server: Server; port: number; stop: () => Promise<void> }> {
  const started = Date.now();
  const now = () => new Date();
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  logger.info({ mode: config.mode, db: config.databaseUrl ? "postgres" : "embedded" }, "包保助手启动中");

  const db = await openDatabase(config);
  let cipher: IdCipher;
  try {
    // Skipping the Prisma CLI when nothing is pending saves seconds on every restart.
    const status = await readMigrationStatus(db.url);
    if (status.pending.length > 0 || status.failed.length > 0) await migrateDeploy(db.url);
    const secret = loadSecretKey({ fromEnv: config.secretKey, dataDir: config.dataDir });
    if (secret.source === "file" && db.kind === "postgres") {
      logger.warn(
        `未设置 BAOBAO_SECRET_KEY，使用密钥文件 ${secret.file}；多实例部署须为每个实例设置同一个 BAOBAO_SECRET_KEY。`,
      );
    }
    cipher = createIdCipher(secret.key);
    await checkKeyFingerprint(new PrismaSettingRepository(db.prisma), cipher);
    // Cadence engine (issue 5): the shipped policy table on first start (idempotent).
    const policies = await new PrismaPolicyRepository(db.prisma).seedDefaultsIfEmpty(
      DEFAULT_CADENCE_POLICIES,
      now(),
    );
    if (policies > 0) logger.info({ policies }, "已写入默认走访频次规则");
    if (config.mode === "sandbox") {
      const seed = await seedDemoIfEmpty(db.prisma, cipher, now());
      if (seed.seeded) logger.info(seed, "已写入演示乡镇数据");
    }
  } catch (err) {
    await db.close();
    throw err;
  }

  try {
    const running = await startServices({ config, db, cipher, now, logger, scheduler: true, ladder: true });
    logger.info(
      {
        port: running.port,
        ms: Date.now() - started,
        sandbox: config.mode === "sandbox" ? `http://127.0.0.1:${running.port}/sandbox` : undefined,
      },
      "包保助手已就绪",
    );
    return running;
  } catch (err) {
    await db.close();
    throw err;
  }
}

export interface ServiceDeps {
  config: Config;
  db: Database;
  cipher: IdCipher;
  now: () => Date;
  logger: Logger;
  /** Outbox and sweep timings (tests shorten them). */
  outbox?: { pollIntervalMs?: number };
  /** Runs the scheduled jobs (daily card, reminder, close-out, summary); main() turns it on. */
  scheduler?: boolean;
  /** Climbs unacknowledged incidents every 30 s (or `intervalMs`); main() turns it on (issue 6). */
  ladder?: boolean | { intervalMs?: number };
}

export interface RunningServices {
  server: Server;
  port: number;
  store: Store;
  /** Sandbox mode only. */
  emulator: WecomEmulator | undefined;
  /** Stops HTTP, the outbox worker and the emulator, then closes the database. */
  stop: () => Promise<void>;
}

/** Wires channels → bot → outbox → HTTP on an open, migrated database and starts listening. */
export async function startServices(deps: ServiceDeps): Promise<RunningServices> {
  const { config, db, cipher, now, logger } = deps;
  const store = createStore(db.prisma, cipher);
  const templates = loadTemplates();

  // The WeCom side: the real API, or in sandbox mode the local emulator on a loopback port,
  // reached through the same client, outbox and callback code.
  const creds = config.wecom ?? createSandboxCredentials();
  let emulator: WecomEmulator | undefined;
  let emulatorServer: { url: string; close(): Promise<void> } | undefined;
  let apiBase = config.wecomApiBase;
  if (config.mode === "sandbox") {
    emulator = createWecomEmulator({ ...creds, now });
    emulatorServer = await emulator.listen(0, "127.0.0.1");
    apiBase = emulatorServer.url;
  }
  const client = createWecomClient({
    apiBase,
    corpId: creds.corpId,
    secret: creds.secret,
    agentId: creds.agentId,
    tokenStore: new PrismaTokenStore(db.prisma, { advisoryLock: db.kind === "postgres" }),
    now,
  });
  // Against the real WeCom, card task_ids carry this database's namespace: WeCom refuses an id an
  // app has used before, and ids restart after a reinstall. (The sandbox emulator starts empty.)
  const taskIds = config.mode === "sandbox" ? undefined : await loadTaskIdNamespace(store.settings);
  const worker = createOutboxWorker({
    repo: store.outbox,
    deliver: createAppDeliver(client, { taskIds }),
    now,
    workerId: `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`,
    pollIntervalMs: deps.outbox?.pollIntervalMs,
    logger: logger.child({ component: "outbox" }),
  });
  // Callbacks store their messages through one group commit (concurrent ones share an INSERT).
  const recorder = createInboundRecorder(store.inbound);
  const bot = createBot({
    store,
    templates,
    dispatch: createDispatcher({
      tz: config.tz,
      ackDeadlines: config.ackDeadlines,
      listTasks: createPlanTaskSource((repos) => createPlanner({ repos, tz: config.tz, logger }), templates),
    }),
    now,
    logger,
    taskIds,
    wake: () => worker.wake(),
    // Queued messages are handled up to 32 per transaction. The embedded database has one
    // connection: one batch at a time, cut short once a callback has waited 5 ms to store its
    // message (acknowledgements first; the bot catches up when the callbacks pause).
    ...(db.kind === "postgres"
      ? { concurrency: 2 }
      : { concurrency: 1, yieldWhen: () => recorder.longestWaitMs() >= 5 }),
  });

  const callbackConfig = {
    token: creds.token,
    encodingAesKey: creds.encodingAesKey,
    receiveId: creds.corpId,
  };
  let port = config.port;
  const routers = [
    wecomCallbackRoutes({
      channel: "app",
      config: callbackConfig,
      inbound: store.inbound,
      recorder,
      now,
      logger,
      onInbound: (envelope) => void bot.handle(envelope),
    }),
  ];
  if (emulator) {
    routers.push(
      sandboxRoutes({
        emulator,
        callbacks: createCallbackSender({ ...creds, now }),
        callbackUrl: () => `http://127.0.0.1:${port}/wecom/callback`,
        channel: "app",
        store,
        now,
      }),
    );
  }
  const metrics = createMetrics();
  const app = createApp({
    logger,
    metrics,
    health: { mode: config.mode, dbKind: db.kind, ping: () => db.ping() },
    routers,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once("error", reject);
  });
  port = (server.address() as AddressInfo).port;
  worker.start();

  // Cadence engine (issue 5): scheduled jobs; every run is claimed in JobRun, so several
  // instances (or a restart) never repeat one. Catch-up of missed slots runs in the background.
  const scheduler = deps.scheduler
    ? createScheduler({
        jobs: JOB_TABLE,
        tz: config.tz,
        now,
        logger: logger.child({ component: "jobs" }),
        deps: {
          store,
          planner: createPlanner({ repos: store, tz: config.tz, logger }),
          templates,
          tz: config.tz,
          logger: logger.child({ component: "jobs" }),
          instance: `${os.hostname()}:${process.pid}`,
          clock: now,
          enqueueConcurrency: db.kind === "postgres" ? 4 : 1,
          wake: () => worker.wake(),
        },
      })
    : undefined;
  scheduler?.start().catch((err: unknown) => logger.error({ err }, "scheduler start failed"));

  // Incident ladder (issue 6): a DB-driven tick, on every instance; each step is claimed in the
  // database, so instances never notify twice, and a restart continues where the rows say.
  const ladder = deps.ladder
    ? startLadderLoop(
        {
          store,
          templates,
          tz: config.tz,
          deadlines: config.ackDeadlines,
          logger: logger.child({ component: "ladder" }),
          wake: () => worker.wake(),
        },
        now,
        typeof deps.ladder === "object" ? deps.ladder.intervalMs : undefined,
      )
    : undefined;

  // Messages acknowledged to WeCom but not processed (a crash in between) are picked up again.
  const sweep = setInterval(() => {
    void bot
      .recover(new Date(now().getTime() - 30_000), 500)
      .catch((err) => logger.error({ err }, "stranded-message sweep failed"));
  }, 30_000);
  sweep.unref();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(sweep);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bot.stop(); // the batch in progress commits; queued messages stay stored for the sweep
      await scheduler?.stop(); // cadence engine (issue 5)
      await ladder?.stop(); // incident ladder (issue 6)
      await worker.stop();
      await emulatorServer?.close();
      await db.close();
    })();
    return stopping;
  };
  return { server, port, store, emulator, stop };
}

if (require.main === module) {
  main().then(
    ({ stop }) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
          stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        });
      }
    },
    (err: unknown) => {
      const known = err instanceof ConfigError || (typeof err === "object" && err !== null && "code" in err);
      process.stderr.write(
        `启动失败：${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`,
      );
      process.exit(1);
    },
  );
}
