/**
 * A fresh database per test file: an in-memory PGlite served on a private Unix socket (the same
 * adapter-pg path as production), or, when TEST_DATABASE_URL is set, a throwaway database on that
 * PostgreSQL server. Migrations are applied from prisma/migrations.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pg from "pg";
import { type Database, wrap } from "../../src/store/database";
import { listMigrations, MIGRATIONS_DIR } from "../../src/store/migrate";

export interface TestDb extends Database {
  /** Runs plain SQL outside Prisma (for checking what is really stored). */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

function migrationSql(): string[] {
  return listMigrations().map((m) => fs.readFileSync(path.join(MIGRATIONS_DIR, m, "migration.sql"), "utf8"));
}

export function isPostgresRun(): boolean {
  return !!process.env.TEST_DATABASE_URL;
}

export async function createTestDb(): Promise<TestDb> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const name = `baobao_t_${crypto.randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    for (const sql of migrationSql()) await client.query(sql);
    const db = wrap(url.toString(), "postgres", async () => {
      await client.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    });
    return Object.assign(db, {
      sql: async <T extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
        (await client.query<T>(text, values)).rows,
    });
  }

  const pglite = await PGlite.create();
  for (const sql of migrationSql()) await pglite.exec(sql);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbt-"));
  const server = new PGLiteSocketServer({
    db: pglite,
    path: path.join(dir, ".s.PGSQL.5432"),
    maxConnections: 16,
  });
  await server.start();
  const url = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`;
  const db = wrap(
    url,
    "embedded",
    async () => {
      await server.stop();
      await pglite.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    // One connection, as in production (see src/store/database.ts).
    1,
  );
  return Object.assign(db, {
    sql: async <T extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
      (await pglite.query<T>(text, values)).rows,
  });
}
