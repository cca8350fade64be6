import { runDailyPush } from "../../src/jobs/daily-push";
import { createTownship, sh, type Township } from "../planning/township-fixture";

let t: Township;
let zhangsan: number;
let wang: number;
let li: number;
beforeAll(async () => {
  t = await createTownship();
  const { wangli, lisi } = t.cadres;
  // 张三: weekly, nothing last week → overdue by 2 working days on Tuesday 24 November.
  zhangsan = await t.subject({
    name: "张三",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [wangli],
  });
  // 王秀英: weekly, visited last week → due this week.
  wang = await t.subject({ name: "王秀英", category: "elderly_alone", level: "high", guarantors: [wangli] });
  await t.visit(wang, wangli, "2026-11-18 10:00");
  // 李秀兰: monthly, visited in October → due this month.
  li = await t.subject({
    name: "李秀兰",
    category: "drug_rehab",
    level: "medium",
    guarantors: [wangli, lisi],
  });
  await t.visit(li, lisi, "2026-10-20 10:00", { method: "phone" });
  // 李四's only person is done for the month: he gets no card.
  const done = await t.subject({ name: "周六", category: "idle_youth", level: "key", guarantors: [lisi] });
  await t.visit(done, lisi, "2026-10-30 10:00");
  await t.visit(done, lisi, "2026-11-20 10:00");
});
afterAll(() => t.close());

const outbox = () =>
  t.db.sql<{
    recipient: string;
    idempotencyKey: string;
    body: { text: { content: string } };
    nextAttemptAt: Date;
  }>(`SELECT "recipient", "idempotencyKey", "body", "nextAttemptAt" FROM "OutboundMessage" ORDER BY "id"`);

describe("the morning card", () => {
  it("dry-run shows the card and stores nothing", async () => {
    const outcome = await runDailyPush(t.deps(), sh("2026-11-24 08:30"), { dryRun: true });
    expect(outcome).toMatchObject({ status: "dry_run", date: "2026-11-24", workday: true, enqueued: 0 });
    // Only 王丽 has someone due (李秀兰 is due for 李四 too).
    expect(outcome.messages.map((m) => m.to).sort()).toEqual(["lisi", "wangli"]);
    expect(outcome.messages.find((m) => m.to === "wangli")?.body).toBe(
      [
        "【今日走访】11月24日（周二）",
        "1. 张三  精神障碍·风险3级  本周应访，已逾期2天",
        "2. 王秀英  独居老人·高风险  本周应访",
        "3. 李秀兰  社区戒毒·中风险  本月应访",
        "回复「1 正常」即可登记；有异常请写明，如「2 异常 情绪激动」",
      ].join("\n"),
    );
    expect(await outbox()).toHaveLength(0);
    expect(await t.db.sql(`SELECT 1 FROM "CadreList"`)).toHaveLength(0);
    expect(await t.db.sql(`SELECT 1 FROM "JobRun"`)).toHaveLength(0);
  });

  it("enqueues one card per cadre with its numbered list, once per day", async () => {
    const first = await runDailyPush(t.deps(), sh("2026-11-24 08:30"));
    expect(first).toMatchObject({ status: "done", enqueued: 2 });
    const rows = await outbox();
    expect(rows.map((r) => [r.recipient, r.idempotencyKey])).toEqual(
      expect.arrayContaining([
        ["wangli", `daily:2026-11-24:${t.cadres.wangli.id}#1`],
        ["lisi", `daily:2026-11-24:${t.cadres.lisi.id}#1`],
      ]),
    );
    expect(rows.find((r) => r.recipient === "wangli")?.body.text.content).toContain("1. 张三");
    const lists = await t.db.sql<{ cadreId: number; kind: string; date: string; items: unknown }>(
      `SELECT "cadreId", "kind", "date", "items" FROM "CadreList" ORDER BY "cadreId"`,
    );
    expect(lists.find((l) => l.cadreId === t.cadres.wangli.id)).toEqual({
      cadreId: t.cadres.wangli.id,
      kind: "daily",
      date: "2026-11-24",
      items: [
        { n: 1, subjectId: zhangsan, name: "张三" },
        { n: 2, subjectId: wang, name: "王秀英" },
        { n: 3, subjectId: li, name: "李秀兰" },
      ],
    });
    expect(await t.store.cadreLists.latest(t.cadres.lisi.id)).toMatchObject({
      items: [{ n: 1, subjectId: li, name: "李秀兰" }],
    });

    // A restart, a second instance or a manual run: claimed already, nothing more.
    const again = await runDailyPush(t.deps({ instance: "test-b" }), sh("2026-11-24 09:10"));
    expect(again).toMatchObject({ status: "already_done", enqueued: 0 });
    expect(await outbox()).toHaveLength(2);
    expect(await t.db.sql(`SELECT 1 FROM "CadreList"`)).toHaveLength(2);
    expect(await t.db.sql(`SELECT "status" FROM "JobRun" WHERE "job" = 'daily-push'`)).toEqual([
      { status: "done" },
    ]);
  });

  it("takes over a failed run without sending anyone a second card", async () => {
    await t.db.sql(`UPDATE "JobRun" SET "status" = 'failed' WHERE "job" = 'daily-push'`);
    const retry = await runDailyPush(t.deps(), sh("2026-11-24 09:20"));
    expect(retry).toMatchObject({ status: "done", enqueued: 0 });
    expect(await outbox()).toHaveLength(2);
    expect(await t.db.sql(`SELECT 1 FROM "CadreList"`)).toHaveLength(2);
  });

  it("sends nothing on the National Day holiday and cards on the Saturday make-up day", async () => {
    const holiday = await runDailyPush(t.deps(), sh("2026-10-01 08:30"));
    expect(holiday).toMatchObject({ status: "not_workday", workday: false, enqueued: 0, messages: [] });
    const sunday = await runDailyPush(t.deps(), sh("2026-11-29 08:30"), { dryRun: true });
    expect(sunday).toMatchObject({ status: "not_workday", workday: false, messages: [] });
    const makeUp = await runDailyPush(t.deps(), sh("2026-10-10 08:30"), { dryRun: true });
    expect(makeUp).toMatchObject({ status: "dry_run", workday: true });
    expect(makeUp.messages.length).toBeGreaterThan(0);
    expect(makeUp.messages[0]?.body).toMatch(/^【今日走访】10月10日（周六）/);
  });

  it("splits a long card on line breaks under idempotency keys #1, #2, …", async () => {
    const { zhaomin } = t.cadres;
    for (let i = 1; i <= 90; i++) {
      await t.subject({
        name: `测试人员${String(i).padStart(2, "0")}`,
        category: "petitioner",
        level: "ordinary",
        village: "v2",
        guarantors: [zhaomin],
      });
    }
    const outcome = await runDailyPush(t.deps(), sh("2026-11-25 08:30"));
    const mine = (await outbox()).filter((r) => r.recipient === "zhaomin");
    expect(outcome.detail.outboxRows as number).toBeGreaterThan(outcome.enqueued);
    expect(mine.length).toBeGreaterThan(1);
    expect(mine.map((r) => r.idempotencyKey)).toEqual(
      mine.map((_, i) => `daily:2026-11-25:${zhaomin.id}#${i + 1}`),
    );
    for (const row of mine) {
      expect(Buffer.byteLength(row.body.text.content)).toBeLessThanOrEqual(2048);
      // Every piece is whole lines.
      expect(row.body.text.content.split("\n").every((line) => /^(【|\d+\. |回复)/.test(line))).toBe(true);
    }
    expect(mine.map((r) => r.body.text.content).join("\n")).toContain("90. 测试人员");
  });
});
