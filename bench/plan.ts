/**
 * Plan and daily-push benchmark on a synthetic province (PostgreSQL).
 *
 * Generates, with set-based SQL in a throwaway database: N people on the register in villages of
 * 50, N/5 guarantor cadres (10 a village, the first one also village leader) plus two township
 * leaders per township, one guarantor per person and a second one for 30%, and 10·N visits over
 * the year before the benchmark day. Then measures, for Tuesday 24 November 2026 10:00:
 *   - floor: one SQL aggregate over the same rows the plan reads (per-subject qualifying visit
 *     counts since the plan's visit window start, GROUP BY on the server);
 *   - plan: loading subjects, guarantees, visits, cadres through the store + computePlan;
 *   - push (dry run): plan + one rendered card per cadre with something due;
 *   - push (real): the same, enqueued in the outbox with the cadres' numbered lists, as the
 *     scheduler runs it (cards rendered a batch at a time, not kept).
 * Peak RSS is the process's maxRSS (process.resourceUsage) after each phase.
 *
 *   npx tsx bench/plan.ts                    1,000,000 people (generation takes minutes)
 *   npx tsx bench/plan.ts --people 100000    a quick run
 *   --keep / --db <name>                     keep the database / reuse a kept one (skips generation)
 *   --only plan|dry|push                     one phase (its own peak RSS, in a fresh process)
 *   TEST_DATABASE_URL=postgresql://…          the server (default postgresql://postgres@127.0.0.1:5432/postgres)
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import pino from "pino";
import { loadTemplates } from "../src/bot/templates";
import { DEFAULT_CADENCE_POLICIES } from "../src/domain/cadence-defaults";
import { planVisitWindowStart } from "../src/domain/plan";
import { runDailyPush } from "../src/jobs/daily-push";
import type { JobDeps } from "../src/jobs/job";
import { createPlanner } from "../src/planning/planner";
import { wrap } from "../src/store/database";
import { createIdCipher } from "../src/store/id-cipher";
import { listMigrations, MIGRATIONS_DIR } from "../src/store/migrate";
import { createStore } from "../src/store/store";

const TZ = "Asia/Shanghai";
const NOW = new Date("2026-11-24T10:00:00+08:00");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const PEOPLE = Number(arg("people") ?? 1_000_000);
const KEEP = process.argv.includes("--keep");
/** Run one phase only (plan | dry | push): maxRSS is per process, so this gives that phase's own peak. */
const ONLY = arg("only");
const phase = (name: string) => ONLY === undefined || ONLY === name;
const REUSE = arg("db");
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

if (!Number.isInteger(PEOPLE) || PEOPLE < 1000) {
  process.stderr.write("--people must be an integer ≥ 1000\n");
  process.exit(2);
}

const VILLAGE_PEOPLE = 50;
const VILLAGE_CADRES = 10;
const VILLAGES = Math.max(1, Math.floor(PEOPLE / VILLAGE_PEOPLE));
const TOWNSHIPS = Math.max(1, Math.floor(VILLAGES / 20));
const COUNTIES = Math.min(100, TOWNSHIPS);
const CITIES = Math.min(10, COUNTIES);
const GUARANTORS = VILLAGES * VILLAGE_CADRES;
const VISITS = PEOPLE * 10;

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const log = (text: string) => process.stderr.write(`${text}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function timed<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  log(`… ${label}`);
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  log(`  ${label}: ${seconds(ms)} s (peak RSS ${maxRssMb()} MB)`);
  return { value, ms };
}

/** The synthetic province, all set-based (INSERT … SELECT generate_series). */
async function generate(client: pg.Client): Promise<Record<string, number>> {
  const q = (sql: string) => client.query(sql);
  await q("SELECT setseed(0.2026)");
  // Regions: ids are assigned explicitly so paths can be built in the same statement.
  const cityBase = 2;
  const countyBase = cityBase + CITIES;
  const townshipBase = countyBase + COUNTIES;
  const villageBase = townshipBase + TOWNSHIPS;
  await q(`INSERT INTO "Region" ("id", "code", "name", "level", "parentId", "path")
           VALUES (1, 'R1', '示范省', 'province', NULL, '/1/')`);
  const level = async (
    base: number,
    count: number,
    parentBase: number,
    parents: number,
    kind: string,
    label: string,
  ) => {
    await q(`INSERT INTO "Region" ("id", "code", "name", "level", "parentId", "path")
             SELECT ${base} + k, 'R' || (${base} + k), '${label}' || k, '${kind}', p."id", p."path" || (${base} + k) || '/'
             FROM generate_series(0, ${count - 1}) k
             JOIN "Region" p ON p."id" = ${parentBase} + (k % ${parents})`);
  };
  await level(cityBase, CITIES, 1, 1, "city", "市");
  await level(countyBase, COUNTIES, cityBase, CITIES, "county", "县");
  await level(townshipBase, TOWNSHIPS, countyBase, COUNTIES, "township", "镇");
  await level(villageBase, VILLAGES, townshipBase, TOWNSHIPS, "village", "村");
  await q(`SELECT setval(pg_get_serial_sequence('"Region"', 'id'), (SELECT max("id") FROM "Region"))`);

  // Cadres 1..GUARANTORS: village v has cadres v*10+1 … v*10+10; the first is also its leader.
  await q(`INSERT INTO "Cadre" ("id", "userid", "name", "roles", "homeRegionId", "scopeRegionId", "updatedAt")
           SELECT c, 'u' || c, '干部' || c,
                  CASE WHEN (c - 1) % ${VILLAGE_CADRES} = 0 THEN ARRAY['village_leader', 'guarantor']::"CadreRole"[]
                       ELSE ARRAY['guarantor']::"CadreRole"[] END,
                  ${villageBase} + (c - 1) / ${VILLAGE_CADRES}, ${villageBase} + (c - 1) / ${VILLAGE_CADRES}, now()
           FROM generate_series(1, ${GUARANTORS}) c`);
  await q(`INSERT INTO "Cadre" ("id", "userid", "name", "roles", "homeRegionId", "scopeRegionId", "updatedAt")
           SELECT ${GUARANTORS} + k, 'u' || (${GUARANTORS} + k), '镇领导' || k, ARRAY['township_leader']::"CadreRole"[],
                  ${townshipBase} + (k - 1) / 2, ${townshipBase} + (k - 1) / 2, now()
           FROM generate_series(1, ${TOWNSHIPS * 2}) k`);
  await q(`SELECT setval(pg_get_serial_sequence('"Cadre"', 'id'), (SELECT max("id") FROM "Cadre"))`);

  // People: person i lives in village (i-1) % V; categories and levels by i (product mix).
  const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
  const given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华";
  await q(`INSERT INTO "Subject" ("id", "name", "regionId", "category", "level", "status", "pauseReason", "pausedFrom", "updatedAt")
           SELECT i,
                  substr('${surnames}', 1 + i % 20, 1) || substr('${given}', 1 + (i / 20) % 25, 1) || substr('${given}', 1 + (i / 500) % 25, 1),
                  ${villageBase} + (i - 1) % ${VILLAGES},
                  c::"Category",
                  CASE c
                    WHEN 'mental_disorder' THEN 'risk' || ((i / 100) % 6)
                    WHEN 'drug_rehab' THEN (ARRAY['high','medium','low'])[1 + (i / 100) % 3]
                    WHEN 'community_correction' THEN (ARRAY['strict','normal','lenient'])[1 + (i / 100) % 3]
                    WHEN 'elderly_alone' THEN (ARRAY['high','key','ordinary'])[1 + (i / 100) % 3]
                    ELSE (ARRAY['key','ordinary'])[1 + (i / 100) % 2]
                  END,
                  CASE WHEN i % 50 = 7 THEN 'paused'::"SubjectStatus" ELSE 'active'::"SubjectStatus" END,
                  CASE WHEN i % 50 = 7 THEN '住院' END,
                  CASE WHEN i % 50 = 7 THEN DATE '2026-10-15' END,
                  now()
           FROM (
             SELECT i, CASE
                 WHEN i % 100 < 20 THEN 'mental_disorder' WHEN i % 100 < 30 THEN 'drug_rehab'
                 WHEN i % 100 < 40 THEN 'community_correction' WHEN i % 100 < 50 THEN 'released_prisoner'
                 WHEN i % 100 < 65 THEN 'left_behind_child' WHEN i % 100 < 85 THEN 'elderly_alone'
                 WHEN i % 100 < 93 THEN 'idle_youth' ELSE 'petitioner' END AS c
             FROM generate_series(1, ${PEOPLE}) i
           ) s`);
  await q(`SELECT setval(pg_get_serial_sequence('"Subject"', 'id'), ${PEOPLE})`);

  // Guarantees: the primary guarantor of person i is cadre v*10 + 1 + ((i-1)/V) % 10 of their
  // village v; 30% have a second one (the next cadre of the village).
  const primary = (s: string) =>
    `((${s} - 1) % ${VILLAGES}) * ${VILLAGE_CADRES} + 1 + ((${s} - 1) / ${VILLAGES}) % ${VILLAGE_CADRES}`;
  const second = (s: string) =>
    `((${s} - 1) % ${VILLAGES}) * ${VILLAGE_CADRES} + 1 + (((${s} - 1) / ${VILLAGES}) + 1) % ${VILLAGE_CADRES}`;
  await q(`INSERT INTO "Guarantee" ("subjectId", "cadreId", "role", "startDate")
           SELECT i, ${primary("i")}, 'primary', DATE '2025-01-01' FROM generate_series(1, ${PEOPLE}) i`);
  await q(`INSERT INTO "Guarantee" ("subjectId", "cadreId", "role", "startDate")
           SELECT i, ${second("i")}, 'secondary', DATE '2025-06-01' FROM generate_series(1, ${PEOPLE}) i WHERE i % 10 < 3`);

  // Visits over the year before NOW, by the person's primary guarantor; in chunks for progress.
  const chunk = 2_000_000;
  for (let from = 1; from <= VISITS; from += chunk) {
    const to = Math.min(VISITS, from + chunk - 1);
    await q(`INSERT INTO "Visit" ("subjectId", "cadreId", "occurredAt", "method", "outcome", "anomalies", "status", "createdAt")
             SELECT s, ${primary("s")}, t, m::"VisitMethod", o::"VisitOutcome", '{}', st::"VisitStatus", t
             FROM (
               SELECT 1 + floor(random() * ${PEOPLE})::int AS s,
                      TIMESTAMP '${NOW.toISOString().slice(0, 19).replace("T", " ")}' - random() * INTERVAL '365 days' AS t,
                      CASE WHEN r < 0.80 THEN 'in_person' WHEN r < 0.95 THEN 'phone' ELSE 'video' END AS m,
                      CASE WHEN r2 < 0.95 THEN 'normal' WHEN r2 < 0.98 THEN 'abnormal' ELSE 'not_met' END AS o,
                      CASE WHEN r3 < 0.01 THEN 'withdrawn' ELSE 'active' END AS st
               FROM (SELECT random() AS r, random() AS r2, random() AS r3 FROM generate_series(${from}, ${to})) g
             ) v`);
    log(`  visits ${to.toLocaleString("en")} / ${VISITS.toLocaleString("en")}`);
  }
  await q("VACUUM ANALYZE");
  return countRows(client);
}

async function countRows(client: pg.Client): Promise<Record<string, number>> {
  const counts = await client.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM "Region") AS regions, (SELECT count(*) FROM "Cadre") AS cadres,
            (SELECT count(*) FROM "Subject") AS subjects, (SELECT count(*) FROM "Guarantee") AS guarantees,
            (SELECT count(*) FROM "Visit") AS visits`,
  );
  return Object.fromEntries(Object.entries(counts.rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

async function main() {
  const name = REUSE ?? `baobao_bench_${crypto.randomBytes(4).toString("hex")}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  let generationMs = 0;
  let counts: Record<string, number> = {};
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    if (!REUSE) {
      await admin.query(`CREATE DATABASE ${name}`);
      await client.connect();
      for (const m of listMigrations()) {
        await client.query(fs.readFileSync(path.join(MIGRATIONS_DIR, m, "migration.sql"), "utf8"));
      }
      const policies = DEFAULT_CADENCE_POLICIES.map(
        (p) =>
          `('${p.regionCode}', '${p.category}', '${p.level}', '${p.method}', '${p.period}', ${p.intervalDays ?? "NULL"}, ${p.minCount}, '${p.rule}', '${p.source.replace(/'/g, "''")}', now())`,
      );
      await client.query(
        `INSERT INTO "CadencePolicy" ("regionCode", "category", "level", "method", "period", "intervalDays", "minCount", "rule", "source", "updatedAt")
         VALUES ${policies.join(",")}`,
      );
      log(
        `Generating ${PEOPLE.toLocaleString("en")} people, ${GUARANTORS.toLocaleString("en")} guarantors, ${VISITS.toLocaleString("en")} visits in ${name} …`,
      );
      const t = performance.now();
      counts = await generate(client);
      generationMs = performance.now() - t;
      log(`  generated in ${seconds(generationMs)} s`);
    } else {
      await client.connect();
      await client.query(`TRUNCATE "OutboundMessage", "CadreList", "JobRun"`);
      counts = await countRows(client);
    }

    const db = wrap(url.toString(), "postgres", async () => {}, 8);
    const store = createStore(db.prisma, createIdCipher(crypto.randomBytes(32)));
    try {
      // Floor: the same visit rows, counted per subject on the server.
      const windowStart = planVisitWindowStart(NOW, DEFAULT_CADENCE_POLICIES, TZ);
      const sqlTime = (d: Date) => d.toISOString().slice(0, 23).replace("T", " ");
      const floor = await timed("floor: SQL aggregate over the window's visits", async () => {
        const res = await client.query<{ subjects: string; visits: string }>(
          `SELECT count(*) AS subjects, sum(n) AS visits FROM (
             SELECT v."subjectId", count(*) AS n
             FROM "Visit" v JOIN "Subject" s ON s."id" = v."subjectId" AND s."status" <> 'closed'
             WHERE v."occurredAt" >= $1 AND v."occurredAt" <= $2 AND v."status" = 'active' AND v."outcome" <> 'not_met'
             GROUP BY v."subjectId") x`,
          [sqlTime(windowStart), sqlTime(NOW)],
        );
        return { subjects: Number(res.rows[0]?.subjects), visits: Number(res.rows[0]?.visits) };
      });

      const planner = createPlanner({ repos: store, tz: TZ });
      // Each phase keeps only its figures, so one phase's plan is garbage in the next.
      const measurePlan = async (label: string) => {
        const { value: p, ms } = await timed(label, () => planner.planForDate({ now: NOW }));
        return {
          seconds: Number((ms / 1000).toFixed(2)),
          ratioToFloor: Number((ms / floor.ms).toFixed(2)),
          peakRssMb: maxRssMb(),
          subjects: p.subjects.length,
          cadresWithCards: p.lists.length,
          items: p.lists.reduce((n, l) => n + l.items.length, 0),
          summary: p.summary,
          timingsMs: Object.fromEntries(Object.entries(p.timings).map(([k, v]) => [k, Math.round(v)])),
          warnings: p.warnings.map((w) => w.message),
        };
      };
      // Each phase keeps only its figures, so one phase's plan is garbage in the next. The first
      // plan of a process pays for compiling the code; the second is what a running server sees.
      const plan = phase("plan")
        ? await measurePlan("plan: load + compute (first in this process)")
        : undefined;
      const planAgain = phase("plan") ? await measurePlan("plan: load + compute (again)") : undefined;

      const deps: JobDeps = {
        store,
        planner,
        templates: loadTemplates(),
        tz: TZ,
        logger: pino({ level: "silent" }),
        instance: "bench",
        clock: () => NOW,
        // As main.ts runs the scheduler on PostgreSQL: 4 transactions in flight, the default batch.
        enqueueConcurrency: 4,
      };
      const dry = await (async () => {
        if (!phase("dry")) return undefined;
        const { value, ms } = await timed("daily push, dry run (plan + cards)", () =>
          runDailyPush(deps, NOW, { dryRun: true }),
        );
        const bytes = value.messages.reduce((n, m) => n + Buffer.byteLength(m.body), 0);
        return {
          seconds: Number((ms / 1000).toFixed(2)),
          messages: value.messages.length,
          textMb: mb(bytes),
          peakRssMb: maxRssMb(),
        };
      })();
      const real = await (async () => {
        if (!phase("push")) return undefined;
        const { value, ms } = await timed("daily push, real (plan + cards + outbox + lists)", () =>
          runDailyPush(deps, NOW, { quiet: true }),
        );
        const rows = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "OutboundMessage"`);
        return {
          ms,
          seconds: Number((ms / 1000).toFixed(2)),
          enqueued: value.enqueued,
          outboxRows: Number(rows.rows[0]?.n),
          status: value.status,
          peakRssMb: maxRssMb(),
        };
      })();

      const figures = {
        people: counts.subjects ?? PEOPLE,
        database: counts,
        generationS: Number(seconds(generationMs)),
        floor: { seconds: Number((floor.ms / 1000).toFixed(2)), ...floor.value },
        plan,
        planAgain: planAgain && {
          seconds: planAgain.seconds,
          ratioToFloor: planAgain.ratioToFloor,
          timingsMs: planAgain.timingsMs,
        },
        pushDryRun: dry,
        pushReal: real && { ...real, ms: undefined },
        peakRssMb: maxRssMb(),
        targets: {
          pushUnder60s: real && real.ms < 60_000,
          rssUnder1GB: maxRssMb() < 1024,
          planWithin3xFloorFirst: plan && plan.ratioToFloor <= 3,
          planWithin3xFloorAgain: planAgain && planAgain.ratioToFloor <= 3,
        },
      };
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    } finally {
      await db.close();
    }
  } finally {
    await client.end().catch(() => undefined);
    if (!KEEP && !REUSE) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    else log(`kept database ${name} (reuse with --db ${name})`);
    await admin.end();
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
