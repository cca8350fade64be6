import cron from "node-cron";
import pino from "pino";
import { JOB_TABLE } from "../../src/jobs/job-table";
import { createScheduler, type Scheduler, slotsBetween } from "../../src/jobs/scheduler";
import { createTownship, sh, TZ, type Township } from "../planning/township-fixture";

let t: Township;
const schedulers: Scheduler[] = [];
beforeAll(async () => {
  t = await createTownship();
  await t.subject({
    name: "张三",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [t.cadres.wangli],
  });
  await t.subject({ name: "李秀兰", category: "drug_rehab", level: "medium", guarantors: [t.cadres.lisi] });
});
afterAll(async () => {
  for (const s of schedulers) await s.stop();
  await t.close();
});

function scheduler(instance: string, clock: Date): Scheduler {
  const s = createScheduler({
    jobs: JOB_TABLE,
    tz: TZ,
    now: () => clock,
    deps: t.deps({ instance, clock }),
    logger: pino({ level: "silent" }),
  });
  schedulers.push(s);
  return s;
}

const dailyRows = (date: string) =>
  t.db.sql<{ recipient: string }>(
    `SELECT "recipient" FROM "OutboundMessage" WHERE "idempotencyKey" LIKE $1 ORDER BY "recipient"`,
    [`daily:${date}:%`],
  );

describe("slots", () => {
  it("reads cron expressions in Shanghai time, window start exclusive, end inclusive", () => {
    const matcher = cron.createTask("30 8 * * *", () => undefined, { timezone: TZ });
    try {
      expect(slotsBetween(matcher, sh("2026-11-24 05:00"), sh("2026-11-24 08:30:00.500"))).toEqual([
        sh("2026-11-24 08:30"),
      ]);
      expect(slotsBetween(matcher, sh("2026-11-24 08:30"), sh("2026-11-24 12:00"))).toEqual([]);
      expect(slotsBetween(matcher, sh("2026-11-22 09:00"), sh("2026-11-24 09:00"))).toEqual([
        sh("2026-11-23 08:30"),
        sh("2026-11-24 08:30"),
      ]);
    } finally {
      void matcher.destroy();
    }
  });
});

describe("two instances on the same tick", () => {
  it("run the morning push once: one JobRun, one card per cadre", async () => {
    const at = sh("2026-11-24 08:30");
    const [a, b] = await Promise.all([
      scheduler("a", at).tick(at, "daily-push"),
      scheduler("b", at).tick(at, "daily-push"),
    ]);
    const statuses = [...a, ...b].map((r) => r.outcome?.status);
    expect(statuses.filter((s) => s === "done")).toHaveLength(1);
    // The other stopped at the claim: still running over there, or already done.
    expect(statuses.filter((s) => s === "already_done" || s === "running_elsewhere")).toHaveLength(1);
    expect(await t.db.sql(`SELECT "instance" FROM "JobRun" WHERE "job" = 'daily-push'`)).toHaveLength(1);
    expect((await dailyRows("2026-11-24")).map((r) => r.recipient)).toEqual(["lisi", "wangli"]);
  });

  it("close out once when both fire at 00:30 on a Monday", async () => {
    const at = sh("2026-11-30 00:30");
    await Promise.all([scheduler("a", at).tick(at, "close-out"), scheduler("b", at).tick(at, "close-out")]);
    const runs = await t.db.sql<{ job: string; periodKey: string; status: string }>(
      `SELECT "job", "periodKey", "status" FROM "JobRun"
       WHERE "job" LIKE 'close-out:%' AND "periodKey" IN ('2026-W48', '2026-11-29') ORDER BY "job"`,
    );
    expect(runs).toEqual([
      { job: "close-out:days", periodKey: "2026-11-29", status: "done" },
      { job: "close-out:week", periodKey: "2026-W48", status: "done" },
    ]);
    const notes = () =>
      t.db.sql(`SELECT 1 FROM "OutboundMessage" WHERE "idempotencyKey" LIKE 'missed:2026-W48:%'`);
    // Close-out only records; the notices are built at 09:00.
    expect(await notes()).toHaveLength(0);
    const nine = sh("2026-11-30 09:00");
    await Promise.all([
      scheduler("a", nine).tick(nine, "missed-notice"),
      scheduler("b", nine).tick(nine, "missed-notice"),
    ]);
    expect(await t.db.sql(`SELECT 1 FROM "JobRun" WHERE "job" = 'missed-notice'`)).toHaveLength(1);
    // 张三's miss goes to 王丽, once.
    expect(await notes()).toHaveLength(1);
  });
});

describe("catch-up after downtime", () => {
  it("makes up this morning's card when started before noon, not after", async () => {
    const late = sh("2026-11-25 11:59");
    await scheduler("late", late).tick(late);
    expect((await dailyRows("2026-11-25")).length).toBe(2);

    const tooLate = sh("2026-11-26 12:00");
    const results = await scheduler("too-late", tooLate).tick(tooLate, "daily-push");
    expect(results).toEqual([]);
    expect(await dailyRows("2026-11-26")).toHaveLength(0);
  });

  it("makes up a close-out missed over a weekend outage, each period once", async () => {
    // Down from Friday 4 December to Tuesday 8 December 10:00: the slots of the last 72 hours
    // (Sunday, Monday and Tuesday 00:30) are made up — the W49 close-out and the every-N-days
    // close-outs of Saturday to Monday; Saturday's slot (Friday's days) is too old.
    const at = sh("2026-12-08 10:00");
    const results = await scheduler("restart", at).tick(at, "close-out");
    expect(results.map((r) => r.scheduledAt)).toEqual([
      sh("2026-12-06 00:30"),
      sh("2026-12-07 00:30"),
      sh("2026-12-08 00:30"),
    ]);
    const runs = await t.db.sql<{ job: string; periodKey: string }>(
      `SELECT "job", "periodKey" FROM "JobRun" WHERE "periodKey" IN ('2026-W49', '2026-12-05', '2026-12-06', '2026-12-07')
       ORDER BY "periodKey"`,
    );
    expect(runs).toEqual([
      { job: "close-out:days", periodKey: "2026-12-05" },
      { job: "close-out:days", periodKey: "2026-12-06" },
      { job: "close-out:days", periodKey: "2026-12-07" },
      { job: "close-out:week", periodKey: "2026-W49" },
    ]);
    // A second sweep ten minutes later finds everything done.
    const later = sh("2026-12-08 10:10");
    const again = await scheduler("restart", later).tick(later, "close-out");
    expect(again.map((r) => r.outcome?.status)).toEqual(["already_done", "already_done", "already_done"]);
  });

  it("skips non-working days without claiming them", async () => {
    const saturday = sh("2026-11-28 09:00");
    const results = await scheduler("weekend", saturday).tick(saturday, "daily-push");
    expect(results.map((r) => r.outcome?.status)).toEqual(["not_workday"]);
    expect(
      await t.db.sql(`SELECT 1 FROM "JobRun" WHERE "job" = 'daily-push' AND "periodKey" = '2026-11-28'`),
    ).toHaveLength(0);
  });
});
