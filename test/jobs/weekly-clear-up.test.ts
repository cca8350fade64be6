/**
 * 周周清 in the Monday report (issue 11 item 8): incidents acknowledged 7+ days ago and still
 * open, grave anomalies nobody has been back to see, people missed two periods running — and
 * none of what is closed, followed up or satisfied. Driven through the bot and the job, fixed clock.
 */
import type { JobDeps } from "../../src/jobs/job";
import { runWeeklyReport } from "../../src/jobs/weekly-report";
import { computeWeeklyClearUp, missWindowPairs } from "../../src/reports/weekly-clear-up";
import { jobDepsFor } from "../helpers/job-deps";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";
import { sh, TZ } from "../planning/township-fixture";

let h: BotHarness;
const fakePng = () => Buffer.from("PNG");

const deps = (clock: Date, instance = "a"): JobDeps => jobDepsFor(h.store, clock, instance);

async function say(at: string, from: string, text: string): Promise<string> {
  h.clock.now = sh(at);
  const replies = await h.say(from, text);
  return replies.find((r) => r.to === from)?.text ?? "";
}

const numberIn = (reply: string) => Number(/E(\d+)/.exec(reply)?.[1]);

/** The leader's report text of a dry run on `at`. */
async function reportText(at: string): Promise<string> {
  const outcome = await runWeeklyReport(deps(sh(at)), sh(at), { dryRun: true }, fakePng);
  const text = outcome.messages.find((m) => m.to === "zhoujg")?.body;
  if (text === undefined) throw new Error(`no report for zhoujg: ${JSON.stringify(outcome)}`);
  return text;
}

beforeAll(async () => {
  h = await createBotHarness({ now: sh("2026-11-20 09:00") });
});
afterAll(() => h.close());

let stale: number;

test("with nothing open the report has no 周周清 section", async () => {
  const text = await reportText("2026-11-23 08:45");
  expect(text).toContain("【上周走访周报】示范镇");
  expect(text).not.toContain("周周清");
});

test("the Monday report lists what is still open, and nothing closed, followed up or satisfied", async () => {
  const { ids, store } = h;
  await h.setList("wangli", ["张三@V1", "李四@V1", "王秀英@V1"]);
  await h.store.conversation.saveList(
    ids.zhaoqiang!,
    "daily",
    "2026-11-24",
    [{ n: 1, subjectId: ids["孙六@V2"]!, name: "孙六" }],
    sh("2026-11-20 09:00"),
  );

  // Incidents. Open and acknowledged 10 days before the report: listed.
  stale = numberIn(await say("2026-11-27 09:00", "wangli", "紧急 李四 持刀 在村口"));
  expect(await say("2026-11-27 10:00", "liujg", `收到 E${stale}`)).toContain("已确认收到");
  // Acknowledged 4 days before: not yet.
  const recent = numberIn(await say("2026-12-03 09:00", "wangli", "事件 李四 与邻居争吵"));
  await say("2026-12-03 09:30", "liujg", `收到 E${recent}`);
  // Acknowledged long ago but closed: not open.
  const closed = numberIn(await say("2026-11-20 09:00", "wangli", "事件 李四 家中失窃"));
  await say("2026-11-20 10:00", "liujg", `收到 E${closed}`);
  await say("2026-12-01 10:00", "liujg", `结案 E${closed} 已追回`);
  // Never acknowledged: the ladder's business, not this list.
  await say("2026-11-20 11:00", "wangli", "事件 李四 夜不归宿");

  // Grave anomalies. 王秀英: nobody back since → listed (with the incident it raised).
  expect(await say("2026-11-30 10:00", "wangli", "3 异常 打人了")).toContain("已登记");
  // 李四: relapse, then a visit the next day → followed up.
  await say("2026-11-25 10:00", "wangli", "2 异常 复吸");
  await say("2026-11-26 10:00", "wangli", "2 电话 正常");
  // 孙六: violence, then only a visit that did not meet him → still listed.
  await say("2026-12-01 10:00", "zhaoqiang", "1 异常 打砸");
  await say("2026-12-02 10:00", "zhaoqiang", "1 未见 外出务工");
  // 张三 (青山村): an ordinary anomaly is not grave.
  await say("2026-12-02 11:00", "wangli", "1 异常 情绪激动");

  // Misses (close-out's rows). 张三 (河口村): W48 and W49 → listed.
  const miss = (
    subject: string,
    periodKey: string,
    period: string,
    scope: "any" | `cadre:${number}` = "any",
  ) => ({
    subjectId: ids[subject]!,
    scope,
    periodKey,
    period,
    consecutive: 1,
    rung: "guarantor",
  });
  await store.missedObligations.recordMany(
    [
      miss("张三@V2", "2026-W48", "week"),
      miss("张三@V2", "2026-W49", "week"),
      // 李四: only the latest week.
      miss("李四@V1", "2026-W49", "week"),
      // 张三 (青山村): two weeks, but the earlier one was satisfied by a late entry.
      miss("张三@V1", "2026-W48", "week"),
      miss("张三@V1", "2026-W49", "week"),
      // 孙六: October and November, but he was met on 1 December.
      miss("孙六@V2", "2026-10", "month"),
      miss("孙六@V2", "2026-11", "month"),
      // 王秀英: W47 and W48 — not the latest two weeks any more.
      miss("王秀英@V1", "2026-W47", "week"),
      miss("王秀英@V1", "2026-W48", "week"),
    ],
    sh("2026-12-07 00:30"),
  );
  const late = await h.db.prisma.visit.findFirstOrThrow({ where: { subjectId: ids["张三@V1"]! } });
  await store.missedObligations.markSatisfied(
    { subjectId: ids["张三@V1"]!, periodKey: "2026-W48", scopes: ["any"] },
    late.id,
    sh("2026-12-03 10:00"),
  );

  const text = await reportText("2026-12-07 08:45");
  const section = text.slice(text.indexOf("【周周清】"));
  expect(section).toBe(
    [
      "【周周清】截至12月7日尚未办结的事项：",
      "已收到超过7天仍未结案的事件1件：",
      `E${stale} 李四（青山村，已10天，刘警官收到）`,
      "严重异常后无人再走访2人：",
      "王秀英（青山村，11月30日王丽登记打砸伤人，已7天）",
      "孙六（河口村，12月1日赵强登记打砸伤人，已6天）",
      "连续两期未走访1人：",
      "张三（河口村，11月23日—12月6日）",
      "每日覆盖率与事件趋势见下图。",
    ].join("\n"),
  );
  // The section follows last week's figures.
  expect(text.indexOf("上周走访")).toBeLessThan(text.indexOf("【周周清】"));
});

test("each list shows its first 10 and counts the rest", async () => {
  const village = await h.db.prisma.region.findUniqueOrThrow({ where: { code: "V2" } });
  const rows = [];
  for (let i = 1; i <= 11; i++) {
    const s = await h.store.subjects.create({
      name: `测试${String(i).padStart(2, "0")}`,
      regionId: village.id,
      category: "elderly_alone",
      level: "high",
    });
    for (const periodKey of ["2026-W48", "2026-W49"])
      rows.push({
        subjectId: s.id,
        scope: "any" as const,
        periodKey,
        period: "week",
        consecutive: 1,
        rung: "guarantor",
      });
  }
  await h.store.missedObligations.recordMany(rows, sh("2026-12-07 00:30"));
  const text = await reportText("2026-12-07 08:45");
  const lines = text.slice(text.indexOf("连续两期未走访")).split("\n");
  expect(lines[0]).toBe("连续两期未走访12人：");
  expect(lines.slice(1, 11)).toEqual([
    "张三（河口村，11月23日—12月6日）",
    ...Array.from({ length: 9 }, (_, i) => `测试0${i + 1}（河口村，11月23日—12月6日）`),
  ]);
  expect(lines[11]).toBe("另有2人。");
});

test("the report is sent to the township leader 1:1 with the section, once", async () => {
  const monday = sh("2026-12-07 08:45");
  const outcome = await runWeeklyReport(deps(monday), monday, {}, fakePng);
  expect(outcome).toMatchObject({ status: "done", enqueued: 1 });
  const rows = await h.db.prisma.outboundMessage.findMany({
    where: { idempotencyKey: { startsWith: "weekly:2026-W49:" } },
    select: { recipient: true, body: true, idempotencyKey: true },
    orderBy: { id: "asc" },
  });
  expect(rows.map((r) => r.recipient)).toEqual(["zhoujg", "zhoujg"]);
  const textBody = rows[0]?.body as { text?: { content?: string } };
  expect(textBody.text?.content).toContain(`E${stale} 李四（青山村，已10天，刘警官收到）`);
  const again = await runWeeklyReport(deps(monday, "b"), monday, {}, fakePng);
  expect(again).toMatchObject({ status: "already_done", enqueued: 0 });
});

describe("the pure computation", () => {
  it("pairs every-N-days windows: the miss judged within the last N days and the one N days before", () => {
    const pairs = missWindowPairs("2026-12-07", [3]);
    const days = pairs.filter((p) => p.latest.key.endsWith("+3d")).map((p) => [p.previous.key, p.latest.key]);
    // Judged on 4, 5 or 6 December (the next judgement not closed yet), paired with 3 days earlier.
    expect(days).toEqual([
      ["2026-11-28+3d", "2026-12-01+3d"],
      ["2026-11-29+3d", "2026-12-02+3d"],
      ["2026-11-30+3d", "2026-12-03+3d"],
    ]);
    const weeks = pairs.find((p) => p.latest.key.includes("-W"));
    expect([weeks?.previous.key, weeks?.latest.key]).toEqual(["2026-W48", "2026-W49"]);
  });

  it("a guarantor's own obligation is cleared only by that guarantor's contact", () => {
    const windows = missWindowPairs("2026-12-07", []);
    const row = (scope: string, periodKey: string) => ({
      subjectId: 1,
      subjectName: "甲",
      regionId: 1,
      regionName: "村",
      regionCode: "1",
      scope,
      periodKey,
      period: "week",
    });
    const base = {
      today: "2026-12-07",
      tz: TZ,
      incidents: [],
      abnormalContacts: [],
      windows,
      misses: [row("cadre:7", "2026-W48"), row("cadre:7", "2026-W49")],
    };
    const byOther = [{ subjectId: 1, cadreId: 8, occurredAt: sh("2026-12-07 08:00") }];
    const byOwn = [{ subjectId: 1, cadreId: 7, occurredAt: sh("2026-12-07 08:00") }];
    expect(computeWeeklyClearUp({ ...base, contacts: byOther }).missed).toHaveLength(1);
    expect(computeWeeklyClearUp({ ...base, contacts: byOwn }).missed).toHaveLength(0);
    // Different scopes do not make a pair.
    const mixed = { ...base, misses: [row("cadre:7", "2026-W48"), row("any", "2026-W49")], contacts: [] };
    expect(computeWeeklyClearUp(mixed).missed).toHaveLength(0);
  });
});
