/**
 * Missed-visit notices are built at 09:00 from the misses still open then, through bot.handle,
 * the close-out job, the missed-notice job and the scheduler, with a fixed clock: close-out at
 * 00:30 records and sends nothing; a late entry at 08:00 that satisfies a miss means no notice
 * for it while the others still go; a visit entered meanwhile for the period before lowers the
 * rung; a repeated or taken-over run sends nothing twice; a restart at 10:00 catches up.
 */
import pino from "pino";
import { runCloseOut } from "../../src/jobs/close-out";
import type { JobDeps } from "../../src/jobs/job";
import { JOB_TABLE } from "../../src/jobs/job-table";
import { noticeBatches, runMissedNotice, taskOfRow } from "../../src/jobs/missed-notice";
import type { NoticeEntry } from "../../src/jobs/miss-notices";
import { createScheduler } from "../../src/jobs/scheduler";
import { jobDepsFor } from "../helpers/job-deps";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";

const TZ = "Asia/Shanghai";
/** Shanghai local time → instant. */
const sh = (local: string) => new Date(`${local.replace(" ", "T")}:00+08:00`);

let h: BotHarness;

const deps = (at: Date, instance = "test-a"): JobDeps => jobDepsFor(h.store, at, instance);

const closeOut = (local: string) => runCloseOut(deps(sh(local)), sh(local));
const notices = (local: string, instance?: string) => runMissedNotice(deps(sh(local), instance), sh(local));

const outbox = (prefix: string) =>
  h.db.sql<{ recipient: string; idempotencyKey: string; content: string; nextAttemptAt: Date }>(
    `SELECT "recipient", "idempotencyKey", "body"->'text'->>'content' AS content, "nextAttemptAt"
     FROM "OutboundMessage" WHERE "idempotencyKey" LIKE $1 ORDER BY "id"`,
    [`${prefix}%`],
  );

async function visit(subject: string, local: string, cadre = "wangli") {
  await h.db.prisma.visit.create({
    data: {
      subjectId: h.ids[subject]!,
      cadreId: h.ids[cadre]!,
      occurredAt: sh(local),
      method: "in_person",
      outcome: "normal",
      createdAt: sh(local),
    },
  });
}

async function row(subject: string, periodKey: string) {
  return h.db.prisma.missedObligation.findFirstOrThrow({
    where: { subjectId: h.ids[subject]!, periodKey },
    select: { consecutive: true, rung: true, notifiedAt: true, satisfiedAt: true },
  });
}

beforeAll(async () => {
  h = await createBotHarness({ now: sh("2026-11-23 08:00") });
  // Weekly for 李四 and 张三@V2 too (王秀英 is weekly by default).
  for (const [category, level] of [
    ["drug_rehab", "medium"],
    ["elderly_alone", "key"],
  ] as const) {
    await h.store.policies.upsert(
      {
        regionCode: "*",
        category,
        level,
        method: "any",
        period: "week",
        minCount: 1,
        rule: "any",
        source: "测试：每周",
      },
      "test",
      sh("2026-10-01 00:00"),
    );
  }
  // 王秀英 and 李四 were seen in W45 and W46, 张三@V2 only in W45; nobody in W47 (16–22 Nov).
  for (const day of ["2026-11-03", "2026-11-10"]) {
    await visit("王秀英@V1", `${day} 10:00`);
    await visit("李四@V1", `${day} 11:00`);
  }
  await visit("张三@V2", "2026-11-04 10:00");
  await h.setList("wangli", ["张三@V1", "李四@V1", "王秀英@V1", "张三@V2"]);
});
afterAll(() => h?.close());

describe("a late entry between 00:30 and 09:00", () => {
  it("close-out at 00:30 records the misses and sends nothing", async () => {
    expect((await closeOut("2026-11-23 00:30")).enqueued).toBe(0);
    expect(await row("王秀英@V1", "2026-W47")).toMatchObject({ consecutive: 1, notifiedAt: null });
    expect(await row("李四@V1", "2026-W47")).toMatchObject({ consecutive: 1, notifiedAt: null });
    expect(await row("张三@V2", "2026-W47")).toMatchObject({ consecutive: 2, rung: "village_leader" });
    expect(await outbox("missed:")).toEqual([]);
  });

  it("`昨天 3 正常` at 08:45 satisfies 王秀英's week; a visit of W46 entered meanwhile ends 张三's streak", async () => {
    h.clock.now = sh("2026-11-23 08:45");
    const r = await h.say("wangli", "昨天 3 正常");
    expect(r[0]?.text).toContain("已登记：王秀英 上门走访 正常（11月22日）");
    expect((await row("王秀英@V1", "2026-W47")).satisfiedAt).not.toBeNull();
    // Reached the database another way (no late-entry settling): W46 is met after all.
    await visit("张三@V2", "2026-11-12 15:00", "zhaoqiang");
  });

  it("the 09:00 job notifies what is still missed, built now: no 王秀英, 张三 back at rung 1", async () => {
    const outcome = await notices("2026-11-23 09:00");
    expect(outcome.status).toBe("done");
    const sent = await outbox("missed:2026-W47:");
    // Nothing for the village leader: the only miss that had reached him is a first miss now.
    expect(sent.map((m) => m.recipient)).toEqual(["wangli"]);
    expect(sent[0]?.content).toBe(
      [
        "【走访提醒】上周（11月16日至11月22日），您包保的以下人员未按要求走访：",
        "1. 李四  社区戒毒·中风险  应访1次，实访0次",
        "2. 张三  独居老人·重点  应访1次，实访0次",
        "请尽快安排走访。",
      ].join("\n"),
    );
    expect(sent[0]?.nextAttemptAt.getTime()).toBe(sh("2026-11-23 09:00").getTime());
    expect(outcome.enqueued).toBe(1);
    expect(await row("王秀英@V1", "2026-W47")).toMatchObject({ notifiedAt: null });
    // The row keeps the streak it was notified with.
    expect(await row("张三@V2", "2026-W47")).toMatchObject({ consecutive: 1, rung: "guarantor" });
    expect((await row("李四@V1", "2026-W47")).notifiedAt).toEqual(sh("2026-11-23 09:00"));
  });

  it("run again, by another instance or after a lost JobRun, it sends nothing twice", async () => {
    expect((await notices("2026-11-23 09:05", "test-b")).status).toBe("already_done");
    // As if the run had crashed right after its last transaction: the misses are marked notified.
    await h.db.sql(`DELETE FROM "JobRun" WHERE "job" = 'missed-notice'`);
    const again = await notices("2026-11-23 09:40", "test-b");
    expect(again).toMatchObject({ status: "done", enqueued: 0 });
    expect(await outbox("missed:")).toHaveLength(1);
  });

  it("a miss opened again by 撤销 after 09:00 is notified the next working day, as a new message", async () => {
    h.clock.now = sh("2026-11-23 09:10");
    const w = await h.say("wangli", "撤销");
    expect(w[0]?.text).toContain("已撤销：王秀英");
    expect(await row("王秀英@V1", "2026-W47")).toMatchObject({ satisfiedAt: null, notifiedAt: null });
    const next = await notices("2026-11-24 09:00");
    expect(next.enqueued).toBe(1);
    const sent = await outbox("missed:2026-W47:week:missed-guarantor:");
    expect(sent).toHaveLength(2);
    expect(sent[1]?.content).toContain("1. 王秀英  独居老人·高风险  应访1次，实访0次");
    expect(sent[1]?.content).not.toContain("李四");
  });
});

describe("catch-up", () => {
  it("a restart at 10:00 sends the notices the 09:00 slot missed; a later tick sends nothing more", async () => {
    // W48 (23–29 Nov): nobody visited 李四 — his second week running.
    expect((await closeOut("2026-11-30 00:30")).status).toBe("done");
    const at = sh("2026-11-30 10:00");
    const scheduler = createScheduler({
      jobs: JOB_TABLE,
      tz: TZ,
      now: () => at,
      deps: deps(at),
      logger: pino({ level: "silent" }),
    });
    const ticks = await scheduler.tick(at, "missed-notice");
    expect(ticks.map((t) => [t.scheduledAt.toISOString(), t.outcome?.status])).toEqual([
      [sh("2026-11-30 09:00").toISOString(), "done"],
    ]);
    const sent = await outbox("missed:2026-W48:");
    expect(sent.find((m) => m.recipient === "wangdefu")?.content).toContain(
      "李四（青山村）  社区戒毒·中风险  连续2期未访  包保人：王丽",
    );
    const later = await scheduler.tick(sh("2026-11-30 10:10"), "missed-notice");
    expect(later.map((t) => t.outcome?.status)).toEqual(["already_done"]);
    expect(await outbox("missed:2026-W48:")).toHaveLength(sent.length);
    await scheduler.stop();
  });

  it("on a day off it waits: nothing is claimed, the misses stay pending", async () => {
    expect((await notices("2026-12-05 09:00")).status).toBe("not_workday");
  });
});

describe("pieces", () => {
  it("reads the close-out task back from a stored key", () => {
    expect(taskOfRow({ period: "week", periodKey: "2026-W47" }, TZ)).toMatchObject({
      job: "close-out:week",
      periodKey: "2026-W47",
      unit: "week",
    });
    // Every 14 days: the window 2 Nov–15 Nov was judged by the close-out of 15 November.
    expect(taskOfRow({ period: "days", periodKey: "2026-11-01+14d" }, TZ)).toEqual({
      job: "close-out:days",
      periodKey: "2026-11-15",
      unit: "days",
    });
    expect(taskOfRow({ period: "month", periodKey: "2026-W47" }, TZ)).toBeUndefined();
    expect(taskOfRow({ period: "week", periodKey: "2027-W53" }, TZ)).toBeUndefined();
  });

  it("keeps every notice about one miss in one batch", () => {
    const entry = (cadre: number, rows: number[]) =>
      ({ cadre: { id: cadre }, groups: rows.map((rowId) => ({ rowId })) }) as unknown as NoticeEntry;
    // Miss 1 goes to cadres 10 and 11, miss 2 to 11 and 12: one component of three notices.
    const batches = noticeBatches([entry(10, [1]), entry(11, [1, 2]), entry(12, [2]), entry(13, [3])], 2);
    expect(batches.map((b) => b.map((e) => e.cadre.id))).toEqual([[10, 11, 12], [13]]);
  });
});
