import { closeOutTasks, runCloseOut } from "../../src/jobs/close-out";
import { runMissedNotice } from "../../src/jobs/missed-notice";
import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import { createTownship, sh, TZ, type Township } from "../planning/township-fixture";

let t: Township;
let ladder: number;
let visited: number;
let orphan: number;
beforeAll(async () => {
  t = await createTownship();
  // Under 包保 from Monday 9 November (W46); never visited.
  ladder = await t.subject({
    name: "张三",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [t.cadres.wangli, t.cadres.lisi],
    guaranteeStart: "2026-11-09",
  });
  // Visited every week: never missed.
  visited = await t.subject({
    name: "按时访",
    category: "mental_disorder",
    level: "risk4",
    guarantors: [t.cadres.wangli],
    guaranteeStart: "2026-11-09",
  });
  for (const day of ["2026-11-10", "2026-11-17", "2026-11-24"])
    await t.visit(visited, t.cadres.wangli, `${day} 10:00`);
  // Nobody guarantees this person any more.
  orphan = await t.subject({
    name: "无人管",
    category: "elderly_alone",
    level: "high",
    village: "v2",
    guarantors: [t.cadres.zhaomin],
    guaranteeStart: "2026-11-09",
  });
  await t.db.sql(`UPDATE "Guarantee" SET "endDate" = '2026-11-10' WHERE "subjectId" = $1`, [orphan]);
});
afterAll(() => t.close());

const misses = () =>
  t.db.sql<{
    subjectId: number;
    scope: string;
    periodKey: string;
    consecutive: number;
    rung: string;
    notified: boolean;
  }>(
    `SELECT "subjectId", "scope", "periodKey", "consecutive", "rung", "notifiedAt" IS NOT NULL AS notified
     FROM "MissedObligation" WHERE "period" = 'week' AND "subjectId" = $1 ORDER BY "id"`,
    [ladder],
  );
const outbox = (prefix: string) =>
  t.db.sql<{ recipient: string; idempotencyKey: string; content: string; nextAttemptAt: Date }>(
    `SELECT "recipient", "idempotencyKey", "body"->'text'->>'content' AS content, "nextAttemptAt"
     FROM "OutboundMessage" WHERE "idempotencyKey" LIKE $1 ORDER BY "id"`,
    [`${prefix}%`],
  );

it("closes weeks on Mondays, months and quarters on the 1st, and every-N-days daily", () => {
  const keys = (date: string) =>
    closeOutTasks(date, DEFAULT_CADENCE_POLICIES, TZ).map((x) => `${x.job} ${x.periodKey}`);
  expect(keys("2026-11-24")).toEqual(["close-out:days 2026-11-23"]);
  expect(keys("2026-11-23")).toEqual(["close-out:week 2026-W47", "close-out:days 2026-11-22"]);
  expect(keys("2026-10-01")).toEqual([
    "close-out:month 2026-09",
    "close-out:quarter 2026-Q3",
    "close-out:days 2026-09-30",
  ]);
  // 1 January 2029 is a Monday: week, month, quarter (no default policy is yearly).
  expect(keys("2029-01-01")).toEqual([
    "close-out:week 2028-W52",
    "close-out:month 2028-12",
    "close-out:quarter 2028-Q4",
    "close-out:days 2028-12-31",
  ]);
});

describe("the escalation ladder over three weeks", () => {
  it("week 1 missed: a note to each guarantor, built and sent at 09:00", async () => {
    const outcome = await runCloseOut(t.deps({ clock: sh("2026-11-16 00:30") }), sh("2026-11-16 00:30"));
    expect(outcome.status).toBe("done");
    // Close-out only records: the notices are built by the 09:00 job.
    expect(outcome.enqueued).toBe(0);
    expect(await outbox("missed:")).toEqual([]);
    const sent = await runMissedNotice(t.deps({ clock: sh("2026-11-16 09:00") }), sh("2026-11-16 09:00"));
    expect(sent).toMatchObject({ status: "done", enqueued: 3 });
    expect(await misses()).toEqual([
      {
        subjectId: ladder,
        scope: "any",
        periodKey: "2026-W46",
        consecutive: 1,
        rung: "guarantor",
        notified: true,
      },
    ]);
    const notes = await outbox("missed:2026-W46:");
    // 王丽 and 李四 about 张三; the village leader of 河口村 about the person nobody guarantees.
    expect(notes.map((n) => n.recipient).sort()).toEqual(["lichunsheng", "lisi", "wangli"]);
    expect(notes.find((n) => n.recipient === "wangli")?.content).toBe(
      [
        "【走访提醒】上周（11月9日至11月15日），您包保的以下人员未按要求走访：",
        "1. 张三  精神障碍·风险3级  应访1次，实访0次",
        "请尽快安排走访。",
      ].join("\n"),
    );
    expect(notes.every((n) => n.nextAttemptAt.getTime() === sh("2026-11-16 09:00").getTime())).toBe(true);
  });

  it("a second run of the same close-out records and sends nothing", async () => {
    const again = await runCloseOut(t.deps({ instance: "test-b" }), sh("2026-11-16 07:00"));
    expect(again.status).toBe("already_done");
    const notices = await runMissedNotice(t.deps({ instance: "test-b" }), sh("2026-11-16 09:30"));
    expect(notices.status).toBe("already_done");
    expect(await misses()).toHaveLength(1);
    expect(await outbox("missed:2026-W46:")).toHaveLength(3);
  });

  it("week 2 missed: the village leader hears, with names", async () => {
    await runCloseOut(t.deps(), sh("2026-11-23 00:30"));
    await runMissedNotice(t.deps(), sh("2026-11-23 09:00"));
    expect((await misses()).filter((m) => m.periodKey === "2026-W47")).toEqual([
      {
        subjectId: ladder,
        scope: "any",
        periodKey: "2026-W47",
        consecutive: 2,
        rung: "village_leader",
        notified: true,
      },
    ]);
    const notes = await outbox("missed:2026-W47:");
    expect(notes.map((n) => n.recipient).sort()).toEqual(["lichunsheng", "wangdefu"]);
    expect(notes.find((n) => n.recipient === "wangdefu")?.content).toBe(
      [
        "【未按期走访】上周（11月16日至11月22日）结束，以下人员未按要求走访，请督促包保人落实：",
        "1. 张三（青山村）  精神障碍·风险3级  连续2期未访  包保人：王丽、李四",
      ].join("\n"),
    );
  });

  it("week 3 missed: the township leader hears", async () => {
    await runCloseOut(t.deps(), sh("2026-11-30 00:30"));
    await runMissedNotice(t.deps(), sh("2026-11-30 09:00"));
    expect((await misses()).filter((m) => m.periodKey === "2026-W48")).toEqual([
      {
        subjectId: ladder,
        scope: "any",
        periodKey: "2026-W48",
        consecutive: 3,
        rung: "township_leader",
        notified: true,
      },
    ]);
    const notes = await outbox("missed:2026-W48:");
    // Both 张三 and the unguaranteed person reach the township leader, in one message.
    expect(notes.map((n) => n.recipient)).toEqual(["zhoujg"]);
    expect(notes[0]?.content).toContain(
      "1. 张三（青山村）  精神障碍·风险3级  连续3期及以上未访  包保人：王丽、李四",
    );
    // The person visited every week never appears.
    expect(await t.db.sql(`SELECT 1 FROM "MissedObligation" WHERE "subjectId" = $1`, [visited])).toHaveLength(
      0,
    );
  });

  it("a person without a guarantor goes to the village leader at the first miss", async () => {
    const orphanMisses = await t.db.sql<{ periodKey: string; rung: string }>(
      `SELECT "periodKey", "rung" FROM "MissedObligation" WHERE "subjectId" = $1 ORDER BY "id"`,
      [orphan],
    );
    expect(orphanMisses.map((m) => m.periodKey)).toEqual(["2026-W46", "2026-W47", "2026-W48"]);
    const w46 = await outbox("missed:2026-W46:");
    const note = w46.find((n) => n.recipient === "lichunsheng");
    expect(note?.content).toBe(
      [
        "【未按期走访】上周（11月9日至11月15日）结束，以下人员未按要求走访，请督促包保人落实：",
        "1. 无人管（河口村）  独居老人·高风险  本期未访  无在岗包保人",
      ].join("\n"),
    );
  });
});

describe("each-guarantor rule and dry runs", () => {
  it("records a miss per guarantor under `each`, and a dry run writes nothing", async () => {
    await t.store.policies.upsert(
      {
        regionCode: "*",
        category: "community_correction",
        level: "strict",
        method: "any",
        period: "week",
        minCount: 1,
        rule: "each",
        source: "测试：每位包保人每周",
      },
      "test",
      sh("2026-11-01 00:00"),
    );
    const id = await t.subject({
      name: "严管对象",
      category: "community_correction",
      level: "strict",
      guarantors: [t.cadres.wangli, t.cadres.secretary1],
      guaranteeStart: "2026-11-30",
    });
    await t.visit(id, t.cadres.wangli, "2026-12-01 10:00");
    const dry = await runCloseOut(t.deps(), sh("2026-12-07 00:30"), { dryRun: true });
    expect(dry.status).toBe("dry_run");
    expect(dry.messages.some((m) => m.to === "wangdefu" && m.body.includes("严管对象"))).toBe(true);
    expect(dry.messages.some((m) => m.to === "wangli" && m.body.includes("严管对象"))).toBe(false);
    expect(await t.db.sql(`SELECT 1 FROM "MissedObligation" WHERE "periodKey" = '2026-W49'`)).toHaveLength(0);
    expect(await t.db.sql(`SELECT 1 FROM "JobRun" WHERE "periodKey" = '2026-W49'`)).toHaveLength(0);

    await runCloseOut(t.deps(), sh("2026-12-07 00:30"));
    const rows = await t.db.sql<{ scope: string; consecutive: number }>(
      `SELECT "scope", "consecutive" FROM "MissedObligation" WHERE "subjectId" = $1 ORDER BY "id"`,
      [id],
    );
    // W49 (the first week of both guarantees): only 王德富 missed, 王丽 visited.
    expect(rows).toEqual([{ scope: `cadre:${t.cadres.secretary1.id}`, consecutive: 1 }]);
  });
});
