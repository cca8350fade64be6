/**
 * Register import benchmark on PostgreSQL (issue 12, register.md "Scale").
 *
 * Writes a county workbook the way a county hands it over — sheets 地区 (county, townships,
 * villages), 干部 (10 guarantors a village, positions as words) and 管控对象 (N people with valid
 * ID numbers, categories and levels in words, guarantors by userid, a second guarantor for 30%) —
 * then measures, each on its own fresh database with the migrations applied:
 *   - import: `roster import` as the CLI runs it (runImport: streaming read, matching, one
 *     transaction), in a child process so its peak RSS is its own;
 *   - again: the same file imported a second time (everything unchanged);
 *   - floor: the same rows bulk-inserted with SQL (INSERT … SELECT FROM unnest, 5,000 rows a
 *     statement; ID numbers encrypted and hashed before the clock starts).
 * Targets (issue 12): import < 60 s, peak RSS < 500 MB, import ≤ 5× the floor.
 *
 *   npx tsx bench/import.ts                    100,000 people
 *   npx tsx bench/import.ts --people 20000     a quick run
 *   TEST_DATABASE_URL=postgresql://…            the server (default postgresql://postgres@127.0.0.1:5432/postgres)
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import ExcelJS from "exceljs";
import pg from "pg";
import { localDateFromDbDate } from "../src/domain/local-date";
import { runImport } from "../src/register/run-import";
import { wrap } from "../src/store/database";
import { createIdCipher, withCheckDigit } from "../src/store/id-cipher";
import { listMigrations, MIGRATIONS_DIR } from "../src/store/migrate";
import { createStore } from "../src/store/store";

const NOW = new Date("2026-12-04T10:00:00+08:00");
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const PEOPLE = Number(arg("people") ?? 100_000);
if (!Number.isInteger(PEOPLE) || PEOPLE < 1000) {
  process.stderr.write("--people 须为不小于 1000 的整数\n");
  process.exit(2);
}
const VILLAGE_PEOPLE = 50;
const VILLAGE_CADRES = 10;
const VILLAGES = Math.max(1, Math.floor(PEOPLE / VILLAGE_PEOPLE));
const TOWNSHIPS = Math.max(1, Math.floor(VILLAGES / 20));
const CADRES = VILLAGES * VILLAGE_CADRES;

const log = (text: string) => process.stderr.write(`${text}\n`);
const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

// ── the synthetic county ──────────────────────────────────────────────────────────────────────
const COUNTY = "429902";
const townshipCode = (t: number) => `${COUNTY}${String(100 + t).padStart(3, "0")}`;
const villageCode = (v: number) =>
  `${townshipCode(v % TOWNSHIPS)}${String(200 + Math.floor(v / TOWNSHIPS)).padStart(3, "0")}`;
const cadreUserid = (c: number) => `c${c}`;
const cadreMobile = (c: number) => `139${String(c).padStart(8, "0")}`;

/** A valid GB 11643 number, unique per i: birth date from i mod 20,000 days, sequence from i / 20,000. */
function idNumber(i: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + (i % 20_000) * 86_400_000);
  const ymd = birth.toISOString().slice(0, 10).replace(/-/g, "");
  const body = `${COUNTY}${ymd}${String(Math.floor(i / 20_000)).padStart(3, "0")}`;
  return withCheckDigit(body);
}

const CATEGORY_MIX: readonly [string, string, readonly string[], readonly string[]][] = [
  ["严重精神障碍患者", "mental_disorder", ["危险性评估2级", "3级", "0级"], ["risk2", "risk3", "risk0"]],
  ["社区戒毒人员", "drug_rehab", ["高风险", "中风险", "低风险"], ["high", "medium", "low"]],
  ["社区矫正对象", "community_correction", ["严管", "普管", "宽管"], ["strict", "normal", "lenient"]],
  ["刑满释放人员", "released_prisoner", ["重点", "一般"], ["key", "ordinary"]],
  ["留守儿童", "left_behind_child", ["重点", "一般"], ["key", "ordinary"]],
  ["独居老人", "elderly_alone", ["高风险", "重点", "一般"], ["high", "key", "ordinary"]],
  ["闲散青少年", "idle_youth", ["重点", "一般"], ["key", "ordinary"]],
  ["重点信访人员", "petitioner", ["重点", "一般"], ["key", "ordinary"]],
];
const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
const GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华";
const personName = (i: number) =>
  `${SURNAMES[i % 20]}${GIVEN[Math.floor(i / 20) % 25]}${GIVEN[Math.floor(i / 500) % 25]}`;

interface Person {
  name: string;
  id: string;
  village: number;
  mix: number;
  level: number;
  guarantors: number[];
}
function person(i: number): Person {
  const village = i % VILLAGES;
  const first = village * VILLAGE_CADRES + (i % VILLAGE_CADRES);
  const guarantors = i % 10 < 3 ? [first, village * VILLAGE_CADRES + ((i + 1) % VILLAGE_CADRES)] : [first];
  const mix = i % CATEGORY_MIX.length;
  const levels = CATEGORY_MIX[mix]![2].length;
  return {
    name: personName(i),
    id: idNumber(i),
    village,
    mix,
    level: Math.floor(i / 8) % levels,
    guarantors,
  };
}

async function writeWorkbook(file: string): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false });
  const regions = wb.addWorksheet("地区");
  regions.addRow(["示范二县特殊人群台账（地区）"]).commit();
  regions.addRow(["地区编码", "地区名称", "级别", "上级编码"]).commit();
  regions.addRow([COUNTY, "示范二县", "县", ""]).commit();
  for (let t = 0; t < TOWNSHIPS; t++)
    regions.addRow([townshipCode(t), `第${t + 1}镇`, "乡镇", COUNTY]).commit();
  for (let v = 0; v < VILLAGES; v++)
    regions.addRow([villageCode(v), `${v + 1}号村`, "村", townshipCode(v % TOWNSHIPS)]).commit();
  regions.commit();

  const cadres = wb.addWorksheet("干部");
  cadres.addRow(["序号", "姓名", "帐号", "手机", "职务", "所属地区"]).commit();
  for (let c = 0; c < CADRES; c++) {
    const v = Math.floor(c / VILLAGE_CADRES);
    const role = c % VILLAGE_CADRES === 0 ? "村书记、网格员" : "网格员";
    cadres.addRow([c + 1, `干部${c + 1}`, cadreUserid(c), cadreMobile(c), role, villageCode(v)]).commit();
  }
  cadres.commit();

  const people = wb.addWorksheet("管控对象");
  people.addRow(["示范二县特殊人群管控台账"]).commit();
  people
    .addRow(["序号", "姓名", "身份证号", "所属村", "人员类型", "管控级别", "包保人", "联系电话"])
    .commit();
  for (let i = 0; i < PEOPLE; i++) {
    const p = person(i);
    const [category, , levels] = CATEGORY_MIX[p.mix]!;
    people
      .addRow([
        i + 1,
        p.name,
        p.id,
        villageCode(p.village),
        category,
        levels[p.level],
        p.guarantors.map(cadreUserid).join("、"),
        `138${String(i).padStart(8, "0")}`,
      ])
      .commit();
  }
  people.commit();
  await wb.commit();
}

// ── databases ─────────────────────────────────────────────────────────────────────────────────
async function createDatabase(admin: pg.Client, name: string): Promise<string> {
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  for (const m of listMigrations())
    await client.query(fs.readFileSync(path.join(MIGRATIONS_DIR, m, "migration.sql"), "utf8"));
  await client.end();
  return url.toString();
}

/** The child process: one import of `file` into `url`, its figures as one JSON line on stdout. */
async function importChild(url: string, file: string, key: string): Promise<void> {
  const db = wrap(url, "postgres", async () => {}, 8);
  const store = createStore(db.prisma, createIdCipher(Buffer.from(key, "hex")));
  const t = performance.now();
  const outcome = await runImport(store, file, {
    dryRun: false,
    partial: false,
    actor: "bench",
    now: NOW,
    today: localDateFromDbDate(new Date("2026-12-04T00:00:00Z")),
  });
  const ms = performance.now() - t;
  await db.close();
  process.stdout.write(
    `${JSON.stringify({ ms, peakRssMb: maxRssMb(), applied: outcome.report.applied, counts: outcome.report.counts, errors: outcome.report.errors.length, firstError: outcome.report.errors[0] ?? null })}\n`,
  );
}

interface ChildResult {
  ms: number;
  peakRssMb: number;
  applied: boolean;
  counts: Record<string, { created: number; updated: number; unchanged: number }>;
  errors: number;
  firstError: unknown;
}
function runChild(url: string, file: string, key: string): ChildResult {
  const out = execFileSync(
    process.execPath,
    ["--require", "tsx/cjs", __filename, "--child", url, file, key],
    { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as ChildResult;
}

/** The floor: the same rows bulk-inserted with SQL, 5,000 a statement. */
async function floor(url: string, key: string): Promise<number> {
  const cipher = createIdCipher(Buffer.from(key, "hex"));
  const people = Array.from({ length: PEOPLE }, (_, i) => person(i));
  const enc = people.map((p) => ({
    c: cipher.encrypt(p.id),
    h: cipher.hash(p.id),
    m: `${p.id.slice(0, 4)}**********${p.id.slice(14)}`,
  }));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const t = performance.now();
  await client.query("BEGIN");
  await client.query(
    `INSERT INTO "Region" ("id", "code", "name", "level", "parentId", "path") VALUES (1, $1, '示范二县', 'county', NULL, '/1/')`,
    [COUNTY],
  );
  await client.query(
    `INSERT INTO "Region" ("id", "code", "name", "level", "parentId", "path")
     SELECT 2 + t, c, n, 'township', 1, '/1/' || (2 + t) || '/' FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(c, n, t0)
     CROSS JOIN LATERAL (SELECT (t0 - 1)::int AS t) k`,
    [
      Array.from({ length: TOWNSHIPS }, (_, t) => townshipCode(t)),
      Array.from({ length: TOWNSHIPS }, (_, t) => `第${t + 1}镇`),
    ],
  );
  const villageBase = 2 + TOWNSHIPS;
  await client.query(
    `INSERT INTO "Region" ("id", "code", "name", "level", "parentId", "path")
     SELECT ${villageBase} + v, c, n, 'village', 2 + (v % ${TOWNSHIPS}), '/1/' || (2 + (v % ${TOWNSHIPS})) || '/' || (${villageBase} + v) || '/'
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(c, n, v0) CROSS JOIN LATERAL (SELECT (v0 - 1)::int AS v) k`,
    [
      Array.from({ length: VILLAGES }, (_, v) => villageCode(v)),
      Array.from({ length: VILLAGES }, (_, v) => `${v + 1}号村`),
    ],
  );
  for (let c0 = 0; c0 < CADRES; c0 += 5000) {
    const ids = Array.from({ length: Math.min(5000, CADRES - c0) }, (_, k) => c0 + k);
    await client.query(
      `INSERT INTO "Cadre" ("id", "userid", "name", "mobile", "roles", "homeRegionId", "scopeRegionId", "updatedAt")
       SELECT c + 1, 'c' || c, '干部' || (c + 1), m,
              CASE WHEN c % ${VILLAGE_CADRES} = 0 THEN ARRAY['village_leader','guarantor']::"CadreRole"[] ELSE ARRAY['guarantor']::"CadreRole"[] END,
              ${villageBase} + c / ${VILLAGE_CADRES}, ${villageBase} + c / ${VILLAGE_CADRES}, now()
       FROM unnest($1::int[], $2::text[]) AS x(c, m)`,
      [ids, ids.map(cadreMobile)],
    );
  }
  for (let i0 = 0; i0 < PEOPLE; i0 += 5000) {
    const n = Math.min(5000, PEOPLE - i0);
    const rows = people.slice(i0, i0 + n);
    const e = enc.slice(i0, i0 + n);
    await client.query(
      `INSERT INTO "Subject" ("id", "name", "idCipher", "idHash", "idMasked", "phone", "regionId", "category", "level", "updatedAt")
       SELECT id, name, c, h, m, ph, ${villageBase} + v, cat::"Category", lvl, now()
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[])
            AS x(id, name, c, h, m, ph, v, cat, lvl)`,
      [
        rows.map((_, k) => i0 + k + 1),
        rows.map((p) => p.name),
        e.map((x) => x.c),
        e.map((x) => x.h),
        e.map((x) => x.m),
        rows.map((_, k) => `138${String(i0 + k).padStart(8, "0")}`),
        rows.map((p) => p.village),
        rows.map((p) => CATEGORY_MIX[p.mix]![1]),
        rows.map((p) => CATEGORY_MIX[p.mix]![3][p.level]!),
      ],
    );
    const gs = rows.flatMap((p, k) => p.guarantors.map((g) => [i0 + k + 1, g + 1] as const));
    await client.query(
      `INSERT INTO "Guarantee" ("subjectId", "cadreId", "startDate") SELECT s, c, DATE '2026-12-04'
       FROM unnest($1::int[], $2::int[]) AS x(s, c)`,
      [gs.map((g) => g[0]), gs.map((g) => g[1])],
    );
  }
  await client.query("COMMIT");
  const ms = performance.now() - t;
  await client.end();
  return ms;
}

async function main(): Promise<void> {
  const tag = crypto.randomBytes(4).toString("hex");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baobao-bench-import-"));
  const file = path.join(dir, "台账.xlsx");
  const key = crypto.randomBytes(32).toString("hex");
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const names = [`baobao_bench_import_${tag}`, `baobao_bench_floor_${tag}`];
  try {
    log(
      `生成工作簿：${PEOPLE.toLocaleString("en")} 人、${CADRES.toLocaleString("en")} 名干部、${VILLAGES} 个村 …`,
    );
    let t = performance.now();
    await writeWorkbook(file);
    log(`  ${seconds(performance.now() - t)} s，${(fs.statSync(file).size / 1024 / 1024).toFixed(1)} MB`);
    const [importUrl, floorUrl] = [
      await createDatabase(admin, names[0]!),
      await createDatabase(admin, names[1]!),
    ];

    log("… floor: SQL bulk insert");
    const floorMs = await floor(floorUrl!, key);
    log(`  floor: ${seconds(floorMs)} s`);

    log("… import (fresh database)");
    t = performance.now();
    const first = runChild(importUrl!, file, key);
    log(
      `  import: ${seconds(first.ms)} s, peak RSS ${first.peakRssMb} MB (child wall ${seconds(performance.now() - t)} s)`,
    );
    if (!first.applied)
      throw new Error(`import rejected ${first.errors} rows, e.g. ${JSON.stringify(first.firstError)}`);

    log("… import again (unchanged)");
    const again = runChild(importUrl!, file, key);
    log(`  again: ${seconds(again.ms)} s, peak RSS ${again.peakRssMb} MB`);
    const unchanged = Object.values(again.counts).every((c) => c.created === 0 && c.updated === 0);

    const ratio = first.ms / floorMs;
    const result = {
      people: PEOPLE,
      cadres: CADRES,
      villages: VILLAGES,
      fileMb: Number((fs.statSync(file).size / 1024 / 1024).toFixed(1)),
      floorSeconds: Number(seconds(floorMs)),
      import: {
        seconds: Number(seconds(first.ms)),
        peakRssMb: first.peakRssMb,
        ratioToFloor: Number(ratio.toFixed(2)),
        counts: first.counts,
      },
      again: { seconds: Number(seconds(again.ms)), peakRssMb: again.peakRssMb, unchanged },
      targets: {
        under60s: first.ms < 60_000,
        under500MB: first.peakRssMb < 500,
        atMost5xFloor: ratio <= 5,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const n of names) await admin.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  importChild(process.argv[3]!, process.argv[4]!, process.argv[5]!).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
