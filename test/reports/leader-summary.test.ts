import pino from "pino";
import { createBot } from "../../src/bot/bot";
import { createDispatcher } from "../../src/bot/dispatch";
import { loadTemplates } from "../../src/bot/templates";
import { runLeaderSummary } from "../../src/jobs/leader-summary";
import { runWeeklyReport } from "../../src/jobs/weekly-report";
import { createPlanner } from "../../src/planning/planner";
import { buildReport } from "../../src/reports/report";
import type { WecomEvent } from "../../src/wecom/events";
import { sh, TZ } from "../planning/township-fixture";
import { createReportFixture, type ReportFixture } from "./report-fixture";

let t: ReportFixture;
beforeAll(async () => {
  t = await createReportFixture();
});
afterAll(() => t.close());

const TOWNSHIP_SUMMARY = (incident: number) =>
  [
    "【今日概况】11月24日（周二） 示范镇",
    "本期应访11人：已访5人，待访3人，逾期3人；走访覆盖率45%。",
    "暂停管理1人。",
    "各村覆盖率：",
    "青山村 33%（已访2人/应访6人，逾期2人）",
    "河口村 60%（已访3人/应访5人，逾期1人）",
    "逾期人员3人：",
    "钱军（青山村，包保人王丽，逾期25天）",
    "李明（青山村，包保人王丽，逾期4天）",
    "冯伟（河口村，包保人赵敏，逾期4天）",
    "今日异常走访1次：",
    "周强（青山村，李四登记）情绪激动",
    "未结事件1件：",
    `E${incident} 王芳 与家人争吵 摔东西（青山村，已5小时，尚无人收到）`,
    "新暂停管理1人：",
    "孙丽（青山村，住院，11月24日起）",
  ].join("\n");

describe("the jurisdiction plan", () => {
  it("planForRegion gives a village's people the same states as the full plan", async () => {
    const planner = createPlanner({ repos: t.store, tz: TZ });
    const request = { now: sh("2026-11-24 17:30") };
    const full = await planner.planForDate(request);
    const village = await t.store.regions.findById(t.regions.v2);
    const part = await planner.planForRegion(village?.path ?? "", request);
    expect([...part.subjects].map((s) => s.name)).toEqual(["陈明", "吴敏", "郑华", "冯伟", "韩梅"]);
    const fullState = new Map([...full.subjects].map((s, i) => [s.id, full.states[i]]));
    expect(part.states).toEqual([...part.subjects].map((s) => fullState.get(s.id)));
    expect(part.summary).toMatchObject({ done: 3, due: 1, overdue: 1, paused: 0 });
  });
});

describe("the 17:30 leader summary", () => {
  it("gives each leader their own jurisdiction, with the hand-computed figures", async () => {
    const outcome = await runLeaderSummary(t.deps(), sh("2026-11-24 17:30"));
    expect(outcome).toMatchObject({ status: "done", enqueued: 3 });
    const byUser = new Map(outcome.messages.map((m) => [m.to, m.body]));
    expect([...byUser.keys()].sort()).toEqual(["lichunsheng", "wangdefu", "zhoujg"]);
    expect(byUser.get("zhoujg")).toBe(TOWNSHIP_SUMMARY(t.openIncident));
    // The village leaders see only their village: no per-village table, no other village's names.
    expect(byUser.get("wangdefu")).toBe(
      [
        "【今日概况】11月24日（周二） 青山村",
        "本期应访6人：已访2人，待访2人，逾期2人；走访覆盖率33%。",
        "暂停管理1人。",
        "逾期人员2人：",
        "钱军（青山村，包保人王丽，逾期25天）",
        "李明（青山村，包保人王丽，逾期4天）",
        "今日异常走访1次：",
        "周强（青山村，李四登记）情绪激动",
        "未结事件1件：",
        `E${t.openIncident} 王芳 与家人争吵 摔东西（青山村，已5小时，尚无人收到）`,
        "新暂停管理1人：",
        "孙丽（青山村，住院，11月24日起）",
      ].join("\n"),
    );
    expect(byUser.get("lichunsheng")).toBe(
      [
        "【今日概况】11月24日（周二） 河口村",
        "本期应访5人：已访3人，待访1人，逾期1人；走访覆盖率60%。",
        "逾期人员1人：",
        "冯伟（河口村，包保人赵敏，逾期4天）",
      ].join("\n"),
    );
    const keys = await t.db.sql<{ idempotencyKey: string }>(
      `SELECT "idempotencyKey" FROM "OutboundMessage" WHERE "idempotencyKey" LIKE 'summary:%' ORDER BY 1`,
    );
    expect(keys.map((k) => k.idempotencyKey)).toEqual(
      [t.cadres.secretary1.id, t.cadres.secretary2.id, t.cadres.leader.id]
        .map((id) => `summary:2026-11-24:${id}#1`)
        .sort(),
    );
  });

  it("runs once per day", async () => {
    const again = await runLeaderSummary(t.deps({ instance: "b" }), sh("2026-11-24 18:00"));
    expect(again).toMatchObject({ status: "already_done", enqueued: 0 });
  });
});

describe("统计 and 逾期 in the chat", () => {
  let seq = 0;
  const clock = { now: sh("2026-11-24 17:30") };
  async function say(from: string, content: string): Promise<string[]> {
    const templates = loadTemplates();
    const bot = createBot({
      store: t.store,
      templates,
      dispatch: createDispatcher({
        tz: TZ,
        listTasks: async () => ({ date: "2026-11-24", items: [] }),
      }),
      now: () => clock.now,
      logger: pino({ level: "silent" }),
    });
    seq++;
    const event = {
      type: "text",
      msgId: `r${seq}`,
      content,
      corpId: "ww",
      fromUserId: from,
      createTime: Math.floor(clock.now.getTime() / 1000),
      agentId: 1,
      dedupeKey: `report-test:${seq}`,
    } as unknown as WecomEvent;
    const before = await t.db.prisma.outboundMessage.findFirst({
      orderBy: { id: "desc" },
      select: { id: true },
    });
    const stored = await t.store.inbound.record({
      channel: "app",
      externalId: `report-test:${seq}`,
      fromUser: from,
      msgType: "text",
      payload: {},
      receivedAt: clock.now,
    });
    await bot.handle({ channel: "app", inboundId: stored.id, event, receivedAt: clock.now });
    const rows = await t.db.prisma.outboundMessage.findMany({
      where: { id: { gt: before?.id ?? 0 } },
      orderBy: { id: "asc" },
    });
    return rows.map((r) => ((r.body as { text?: { content?: string } }).text?.content ?? "") as string);
  }

  it("统计 gives a township leader the same summary as the evening push, as of now", async () => {
    const [reply, ...rest] = await say("zhoujg", "统计");
    expect(rest).toEqual([]);
    expect(reply).toBe(
      TOWNSHIP_SUMMARY(t.openIncident).replace("（周二） 示范镇", "（周二） 示范镇 截至17:30"),
    );
    const audit = await t.store.audit.list({ action: "stats.read" });
    expect(audit.at(-1)).toMatchObject({ actor: "zhoujg", entityId: String(t.regions.township) });
  });

  it("统计 gives a village leader only their village", async () => {
    const [reply] = await say("lichunsheng", "统计");
    expect(reply).toContain("河口村 截至17:30\n本期应访5人：已访3人，待访1人，逾期1人；走访覆盖率60%。");
    expect(reply).not.toMatch(/青山村|钱军|李明|周强|王芳/);
  });

  it("a guarantor is told it is for leaders only", async () => {
    expect(await say("wangli", "统计")).toEqual(["「统计」仅供领导使用。"]);
    expect(await say("zhaomin", "逾期")).toEqual(["「逾期」仅供领导使用。"]);
  });

  it("逾期 lists exactly the overdue names of the jurisdiction", async () => {
    expect(await say("zhoujg", "逾期")).toEqual([
      [
        "示范镇逾期名单（11月24日，共3人）：",
        "1. 钱军（青山村，包保人王丽，逾期25天）",
        "2. 李明（青山村，包保人王丽，逾期4天）",
        "3. 冯伟（河口村，包保人赵敏，逾期4天）",
      ].join("\n"),
    ]);
    expect(await say("lichunsheng", "逾期名单")).toEqual([
      ["河口村逾期名单（11月24日，共1人）：", "1. 冯伟（河口村，包保人赵敏，逾期4天）"].join("\n"),
    ]);
  });

  it("逾期 says so when nobody is overdue", async () => {
    clock.now = sh("2026-11-24 17:40");
    await t.visit(t.people.冯伟 as number, t.cadres.zhaomin, "2026-11-24 17:35");
    expect(await say("lichunsheng", "逾期")).toEqual(["河口村目前没有逾期人员。"]);
    clock.now = sh("2026-11-24 17:30");
    await t.db.sql(`DELETE FROM "Visit" WHERE "subjectId" = $1 AND "occurredAt" > '2026-11-24 09:30'`, [
      t.people.冯伟,
    ]);
  });
});

describe("the report", () => {
  it("a daily report as of the end of the day has the same figures", async () => {
    const report = await buildReport({ repos: t.store, tz: TZ }, sh("2026-11-26 10:00"), {
      kind: "daily",
      date: "2026-11-24",
      regionCode: "429901100",
    });
    expect(report.summary.totals).toEqual({ owed: 11, done: 5, due: 3, overdue: 3, paused: 1, coverage: 45 });
    expect(report.summary.units.map((u) => [u.name, u.coverage])).toEqual([
      ["青山村", 33],
      ["河口村", 60],
    ]);
    expect(report.visitCounts).toEqual({ total: 3, normal: 1, abnormal: 1, notMet: 1 });
    expect(report.series.map((p) => p.date)).toEqual([
      "2026-11-18",
      "2026-11-19",
      "2026-11-20",
      "2026-11-21",
      "2026-11-22",
      "2026-11-23",
      "2026-11-24",
    ]);
    expect(report.series.map((p) => p.incidentsReported)).toEqual([0, 0, 1, 0, 0, 0, 1]);
  });

  it("refuses a period that has not begun and an unknown region, in Chinese", async () => {
    await expect(
      buildReport({ repos: t.store, tz: TZ }, sh("2026-11-24 10:00"), { kind: "weekly", date: "2026-12-01" }),
    ).rejects.toThrow("周报周期尚未开始");
    await expect(
      buildReport({ repos: t.store, tz: TZ }, sh("2026-11-24 10:00"), {
        kind: "daily",
        date: "2026-11-24",
        regionCode: "999",
      }),
    ).rejects.toThrow("找不到地区编码：999");
  });
});

describe("the Monday weekly report", () => {
  it("sends each township leader last week's text and chart once", async () => {
    const monday = sh("2026-11-30 08:45");
    const fakePng = (report: { region: { code: string } }) => Buffer.from(`PNG:${report.region.code}`);
    const outcome = await runWeeklyReport(t.deps({ clock: monday }), monday, {}, fakePng);
    expect(outcome).toMatchObject({ status: "done", enqueued: 1, detail: { week: "2026-W48" } });
    const rows = await t.db.prisma.outboundMessage.findMany({
      where: { idempotencyKey: { startsWith: "weekly:" } },
      orderBy: { id: "asc" },
      select: { recipient: true, idempotencyKey: true, body: true },
    });
    const key = `weekly:2026-W48:${t.cadres.leader.id}`;
    expect(rows.map((r) => [r.recipient, r.idempotencyKey])).toEqual([
      ["zhoujg", `${key}:text#1`],
      ["zhoujg", `${key}:image`],
    ]);
    const text = (rows[0]?.body as { text?: { content?: string } } | undefined)?.text?.content;
    expect(text).toContain("【上周走访周报】示范镇 11月23日—11月29日");
    const image = rows[1]?.body as { msgtype: string; image: { upload: { base64: string } } };
    expect(image.msgtype).toBe("image");
    expect(Buffer.from(image.image.upload.base64, "base64").toString()).toBe("PNG:429901100");

    const again = await runWeeklyReport(
      t.deps({ clock: monday, instance: "b" }),
      sh("2026-12-01 08:45"),
      {},
      fakePng,
    );
    expect(again).toMatchObject({ status: "already_done", enqueued: 0 });
    const count = await t.db.prisma.outboundMessage.count({
      where: { idempotencyKey: { startsWith: "weekly:" } },
    });
    expect(count).toBe(2);
  });
});
