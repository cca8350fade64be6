import { runDailyPush } from "../../src/jobs/daily-push";
import { runLeaderSummary } from "../../src/jobs/leader-summary";
import { runReminder } from "../../src/jobs/reminder";
import { createTownship, sh, type Township } from "../planning/township-fixture";

let t: Township;
let zhangsan: number;
beforeAll(async () => {
  t = await createTownship();
  const { wangli, lisi, zhaomin } = t.cadres;
  // 王丽: 张三 overdue (nothing last week), 王秀英 due.
  zhangsan = await t.subject({
    name: "张三",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [wangli],
  });
  const wang = await t.subject({
    name: "王秀英",
    category: "elderly_alone",
    level: "high",
    guarantors: [wangli],
  });
  await t.visit(wang, wangli, "2026-11-18 10:00");
  // 李四: 刘强 overdue too, but 李四 visited someone today.
  const liu = await t.subject({
    name: "刘强",
    category: "community_correction",
    level: "strict",
    guarantors: [lisi],
  });
  await t.visit(liu, lisi, "2026-11-24 11:00", { method: "phone", outcome: "not_met" });
  // 赵敏 (河口村): 陈明 done this week; 孙丽 paused.
  const chen = await t.subject({
    name: "陈明",
    category: "elderly_alone",
    level: "high",
    village: "v2",
    guarantors: [zhaomin],
  });
  await t.visit(chen, zhaomin, "2026-11-17 10:00");
  await t.visit(chen, zhaomin, "2026-11-23 10:00");
  const sun = await t.subject({
    name: "孙丽",
    category: "drug_rehab",
    level: "low",
    village: "v2",
    guarantors: [zhaomin],
  });
  await t.store.subjects.pause(sun, { reason: "强制隔离戒毒", from: new Date("2026-11-01T00:00:00Z") });
});
afterAll(() => t.close());

describe("the 15:00 reminder", () => {
  it("goes only to cadres with overdue people and no visit today, numbered as on the morning card", async () => {
    await runDailyPush(t.deps(), sh("2026-11-24 08:30"));
    const outcome = await runReminder(t.deps(), sh("2026-11-24 15:00"));
    expect(outcome).toMatchObject({ status: "done", enqueued: 1 });
    expect(outcome.messages).toEqual([
      {
        to: "wangli",
        body: [
          "【走访提醒】今天清单上还有1人逾期未访：",
          "1. 张三  本周应访，已逾期4天",
          "走访后回复即可登记，如「1 正常」。",
        ].join("\n"),
      },
    ]);
    const keys = await t.db.sql<{ idempotencyKey: string }>(
      `SELECT "idempotencyKey" FROM "OutboundMessage" WHERE "idempotencyKey" LIKE 'reminder:%'`,
    );
    expect(keys).toEqual([{ idempotencyKey: `reminder:2026-11-24:${t.cadres.wangli.id}#1` }]);
  });

  it("is sent at most once a day", async () => {
    const again = await runReminder(t.deps({ instance: "other" }), sh("2026-11-24 16:00"));
    expect(again).toMatchObject({ status: "already_done", enqueued: 0 });
  });

  it("names people without a number when the cadre got no card that day, and skips once they visit", async () => {
    const dry = await runReminder(t.deps(), sh("2026-11-25 15:00"), { dryRun: true });
    expect(dry.messages.find((m) => m.to === "wangli")?.body).toContain("\n张三  本周应访，已逾期5天\n");
    expect(dry.messages.find((m) => m.to === "wangli")?.body).toContain("如「张三 正常」");
    await t.visit(zhangsan, t.cadres.wangli, "2026-11-25 14:00", { outcome: "not_met" });
    const after = await runReminder(t.deps(), sh("2026-11-25 15:00"), { dryRun: true });
    expect(after.messages.some((m) => m.to === "wangli")).toBe(false);
  });
});

describe("the 17:30 leader summary", () => {
  it("gives each village and township leader the counts of their jurisdiction", async () => {
    const outcome = await runLeaderSummary(t.deps(), sh("2026-11-24 17:30"));
    expect(outcome.status).toBe("done");
    const byUser = new Map(outcome.messages.map((m) => [m.to, m.body]));
    expect(byUser.get("wangdefu")).toBe(
      [
        "【今日概况】11月24日（周二） 青山村",
        "本期应访3人：已访0人，待访1人，逾期2人；走访覆盖率0%。",
        "逾期人员2人：",
        "张三（青山村，包保人王丽，逾期4天）",
        "刘强（青山村，包保人李四，逾期4天）",
      ].join("\n"),
    );
    expect(byUser.get("lichunsheng")).toBe(
      [
        "【今日概况】11月24日（周二） 河口村",
        "本期应访1人：已访1人，待访0人，逾期0人；走访覆盖率100%。",
        "暂停管理1人。",
      ].join("\n"),
    );
    expect(byUser.get("zhoujg")).toContain(
      "示范镇\n本期应访4人：已访1人，待访1人，逾期2人；走访覆盖率25%。\n暂停管理1人。\n各村覆盖率：\n青山村 0%（已访0人/应访3人，逾期2人）\n河口村 100%（已访1人/应访1人）",
    );
    // Guarantors get no summary.
    expect(byUser.has("wangli")).toBe(false);
    expect(outcome.enqueued).toBe(3);
  });

  it("sends nothing on a non-working day", async () => {
    const saturday = await runLeaderSummary(t.deps(), sh("2026-11-28 17:30"));
    expect(saturday).toMatchObject({ status: "not_workday", enqueued: 0 });
  });
});
