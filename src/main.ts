/**
 * Wiring: config → database → migrations → key check → demo seed → HTTP. The only place where
 * concrete implementations meet, and (with config.ts) the only place that reads the clock and env.
 */
import type { Server } from "node:http";
import { ConfigError, loadConfig } from "./config";
import { createApp } from "./http/app";
import { createMetrics } from "./http/metrics";
import { createLogger } from "./logger";
import { openDatabase } from "./store/database";
import { createIdCipher } from "./store/id-cipher";
import { checkKeyFingerprint } from "./store/key-check";
import { migrateDeploy, readMigrationStatus } from "./store/migrate";
import { loadSecretKey } from "./store/secret-key";
import { seedDemoIfEmpty } from "./store/seed/seed-demo";
import { PrismaSettingRepository } from "./store/setting-repository";

export async function main(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ server: Server; stop: () => Promise<void> }> {
  const started = Date.now();
  const now = () => new Date();
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  logger.info({ mode: config.mode, db: config.databaseUrl ? "postgres" : "embedded" }, "包保助手启动中");

  const db = await openDatabase(config);
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
    const cipher = createIdCipher(secret.key);
    await checkKeyFingerprint(new PrismaSettingRepository(db.prisma), cipher);
    if (config.mode === "sandbox") {
      const seed = await seedDemoIfEmpty(db.prisma, cipher, now());
      if (seed.seeded) logger.info(seed, "已写入演示乡镇数据");
    }
  } catch (err) {
    await db.close();
    throw err;
  }

  const metrics = createMetrics();
  const app = createApp({
    logger,
    metrics,
    health: { mode: config.mode, dbKind: db.kind, ping: () => db.ping() },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once("error", reject);
  });
  logger.info({ port: config.port, ms: Date.now() - started }, "包保助手已就绪");

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    })();
    return stopping;
  };
  return { server, stop };
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
