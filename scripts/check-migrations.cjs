#!/usr/bin/env node
/**
 * Checks that prisma/migrations produce exactly the schema in prisma/schema.prisma.
 *
 * Prisma's own check (`migrate diff --from-migrations`) needs a shadow database, which the
 * driver-adapter schema engine cannot manage here. Instead: database A gets the SQL that Prisma
 * generates from the schema alone, database B gets the migrations through `migrate deploy`, and
 * their catalogs (columns, enums, indexes, constraints; column order ignored) must be equal.
 * Usage: node scripts/check-migrations.cjs [postgresql://admin-url]
 */
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const path = require("node:path");
const pg = require("pg");

const ROOT = path.join(__dirname, "..");
const adminUrl =
  process.argv[2] || process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

function dbUrl(name) {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

function prisma(args, url) {
  const res = spawnSync(process.execPath, [path.join(ROOT, "scripts", "prisma.cjs"), ...args], {
    cwd: ROOT,
    env: { ...process.env, BAOBAO_MIGRATE_URL: url },
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`prisma ${args.join(" ")} 失败：\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

async function describe(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (sql) => (await c.query(sql)).rows.map((r) => Object.values(r).join(" | "));
    return {
      columns:
        await q(`SELECT table_name, column_name, data_type, udt_name, is_nullable, coalesce(column_default, '')
        FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
        ORDER BY 1, 2`),
      enums: await q(`SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY 1`),
      indexes: await q(`SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`),
      constraints:
        await q(`SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '"_prisma_migrations"'
        AND conrelid::regclass::text <> '_prisma_migrations' ORDER BY 1, 2`),
    };
  } finally {
    await c.end();
  }
}

async function main() {
  const suffix = crypto.randomBytes(4).toString("hex");
  const fromSchema = `bb_check_schema_${suffix}`;
  const fromMigrations = `bb_check_migr_${suffix}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${fromSchema}`);
  await admin.query(`CREATE DATABASE ${fromMigrations}`);
  try {
    const sql = prisma(
      ["migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
      dbUrl(fromSchema),
    );
    const a = new pg.Client({ connectionString: dbUrl(fromSchema) });
    await a.connect();
    await a.query(sql);
    await a.end();
    prisma(["migrate", "deploy"], dbUrl(fromMigrations));
    const [want, got] = await Promise.all([describe(dbUrl(fromSchema)), describe(dbUrl(fromMigrations))]);
    const problems = [];
    for (const key of Object.keys(want)) {
      const missing = want[key].filter((x) => !got[key].includes(x));
      const extra = got[key].filter((x) => !want[key].includes(x));
      for (const m of missing) problems.push(`  迁移缺少 ${key}: ${m}`);
      for (const e of extra) problems.push(`  迁移多出 ${key}: ${e}`);
    }
    if (problems.length > 0) {
      console.error(
        `迁移与 prisma/schema.prisma 不一致：\n${problems.join("\n")}\n请新增迁移（见 README“修改数据模型”）。`,
      );
      process.exitCode = 1;
    } else {
      console.log("迁移与数据模型一致。");
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${fromSchema} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${fromMigrations} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(`迁移检查失败：${err.message}`);
  process.exit(1);
});
