import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");

export class MigrationError extends Error {
  readonly code = "migration_failed";
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** Migration folder names in order. */
export function listMigrations(dir: string = MIGRATIONS_DIR): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

/**
 * Runs `prisma migrate deploy` against `url`. It runs as an asynchronous child process: a
 * synchronous one would block the event loop that serves the embedded database's socket.
 */
export function migrateDeploy(url: string): Promise<{ output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, "scripts", "prisma.cjs"), "migrate", "deploy"],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, BAOBAO_MIGRATE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.on("error", (err) => reject(new MigrationError(`无法启动数据库迁移：${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve({ output });
      else reject(new MigrationError(`数据库迁移失败（退出码 ${code}）：\n${output.trim()}`));
    });
  });
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  failed: string[];
}

/** Compares the migration folders with `_prisma_migrations` in the database. */
export async function readMigrationStatus(url: string): Promise<MigrationStatus> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query<{ t: string | null }>(
      `SELECT to_regclass('_prisma_migrations')::text AS t`,
    );
    const rows = exists.rows[0]?.t
      ? (
          await client.query<{
            migration_name: string;
            finished_at: Date | null;
            rolled_back_at: Date | null;
          }>(`SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations`)
        ).rows
      : [];
    const applied = rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => r.migration_name);
    const failed = rows.filter((r) => !r.finished_at && !r.rolled_back_at).map((r) => r.migration_name);
    const pending = listMigrations().filter((m) => !applied.includes(m));
    return { applied: applied.sort(), pending, failed };
  } finally {
    await client.end();
  }
}
