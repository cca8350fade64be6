/**
 * `逾期N天` counts calendar days, holidays included, from the day after the due-by day — the same
 * figure in the morning card, the leader's 统计, the report's JSON and its workbook. Fixed clock
 * across the 2026 National Day holiday (1–8 October off, 9 October the first working day back):
 * 王秀英 (once a week) was never visited, so week 40 was due by Wednesday 30 September, and on
 * Friday 9 October she is 9 days overdue (1 working day).
 */
import path from "node:path";
import ExcelJS from "exceljs";
import { run } from "../../src/cli/main";
import { runDailyPush } from "../../src/jobs/daily-push";
import { jobDepsFor } from "../helpers/job-deps";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";
import { makeTempDir } from "../helpers/temp-dir";
import { SECRET_KEY_HEX } from "../planning/township-fixture";

const sh = (local: string) => new Date(`${local.replace(" ", "T")}:00+08:00`);
const NOW = sh("2026-10-09 09:00");

let h: BotHarness;
let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  h = await createBotHarness({ now: NOW });
  tmp = makeTempDir();
});
afterAll(async () => {
  await h?.close();
  tmp?.cleanup();
});

async function baobao(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    ["node", "baobao", ...args],
    { DATABASE_URL: h.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX, LOG_LEVEL: "silent" },
    { out: (s) => out.push(s), err: (s) => err.push(s) },
    () => NOW,
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

it("the morning card says 已逾期9天", async () => {
  const at = sh("2026-10-09 08:30");
  const outcome = await runDailyPush(jobDepsFor(h.store, at), at, { dryRun: true });
  expect(outcome.workday).toBe(true);
  const card = outcome.messages.find((m) => m.to === "wangli")?.body ?? "";
  expect(card).toContain("王秀英  独居老人·高风险  本周应访，已逾期9天");
});

it("统计 says 逾期9天", async () => {
  const r = await h.say("zhoujg", "统计");
  expect(r[0]?.text).toContain("王秀英（青山村，包保人王丽，逾期9天）");
});

it("the report's JSON gives overdueDays 9, its text and workbook say 天", async () => {
  const json = await baobao("report", "daily", "--date", "2026-10-09", "--json");
  expect(json).toMatchObject({ code: 0, err: "" });
  const doc = JSON.parse(json.out) as { overdue: { name: string; overdueDays: number }[] };
  expect(doc.overdue.find((o) => o.name === "王秀英")?.overdueDays).toBe(9);

  const text = await baobao("report", "daily", "--date", "2026-10-09");
  expect(text.out).toContain("王秀英（示范镇，包保人 王丽，逾期 9 天）");
  expect(text.out).not.toContain("工作日");

  const file = path.join(tmp.dir, "国庆.xlsx");
  expect(await baobao("report", "daily", "--date", "2026-10-09", "--xlsx", file)).toMatchObject({ code: 0 });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const rows = (wb.getWorksheet("逾期名单")?.getSheetValues() ?? [])
    .filter(Boolean)
    .map((row) => (row as unknown[]).slice(1));
  expect(rows[0]?.[6]).toBe("逾期天数");
  expect(rows.find((r) => r[1] === "王秀英")?.[6]).toBe(9);
});
