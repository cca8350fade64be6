import path from "node:path";
import pino from "pino";
import { runCalendarAlert } from "../../src/jobs/calendar-alert";
import { runDailyPush } from "../../src/jobs/daily-push";
import { JOB_TABLE } from "../../src/jobs/job-table";
import { runReminder } from "../../src/jobs/reminder";
import { createScheduler, type Scheduler } from "../../src/jobs/scheduler";
import { CALENDAR_SETTING_KEY } from "../../src/planning/calendar-settings";
import { createPlanner } from "../../src/planning/planner";
import { cliRunner } from "../helpers/run-cli";
import { makeTempDir } from "../helpers/temp-dir";
import { createTownship, SECRET_KEY_HEX, sh, TZ, type Township } from "../planning/township-fixture";

const FICTIONAL_2027 = path.join(__dirname, "..", "domain", "holiday-notices", "2027-fictional.txt");

let t: Township;
let tmp: { dir: string; cleanup: () => void };
let baobao: ReturnType<typeof cliRunner>;
let admin: { id: number; userid: string };
const schedulers: Scheduler[] = [];
beforeAll(async () => {
  t = await createTownship();
  tmp = makeTempDir();
  baobao = cliRunner({ DATABASE_URL: t.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX });
  const row = await t.store.cadres.create({
    userid: "xianzz",
    name: "县综治办",
    roles: ["county_admin"],
    homeRegionId: t.regions.county,
    scopeRegionId: t.regions.county,
  });
  admin = { id: row.id, userid: row.userid };
  // Weekly visits, none recorded: 王丽 has someone on her card every working day.
  await t.subject({
    name: "张三",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [t.cadres.wangli],
  });
});
afterAll(async () => {
  for (const s of schedulers) await s.stop();
  await t.close();
  tmp.cleanup();
});

const importNotice = async (now: Date) => {
  const res = await baobao(["calendar", "import", FICTIONAL_2027, "--yes"], { now });
  expect(res).toMatchObject({ code: 0, err: "" });
};
const clearCalendar = () => t.store.settings.set(CALENDAR_SETTING_KEY, { overrides: [], scheduledYears: [] });
const rows = (like: string) =>
  t.db.sql<{ recipient: string; idempotencyKey: string; body: { text: { content: string } } }>(
    `SELECT "recipient", "idempotencyKey", "body" FROM "OutboundMessage" WHERE "idempotencyKey" LIKE $1 ORDER BY "id"`,
    [like],
  );

function scheduler(clock: Date): Scheduler {
  const s = createScheduler({
    jobs: JOB_TABLE,
    tz: TZ,
    now: () => clock,
    deps: t.deps({ clock }),
    logger: pino({ level: "silent" }),
  });
  schedulers.push(s);
  return s;
}
const tickAlert = async (at: Date) => {
  const [result] = await scheduler(at).tick(at, "calendar-alert");
  return result?.outcome;
};

describe("imported days are honoured exactly as chinese-days' are", () => {
  beforeAll(clearCalendar);

  it("1 January 2027 is a working day (with the warning) until the notice is imported, then cards stop", async () => {
    const deps = t.deps({ clock: sh("2026-12-04 10:00") });
    const before = await runDailyPush(deps, sh("2027-01-01 08:30"), { dryRun: true });
    expect(before).toMatchObject({ status: "dry_run", workday: true });
    expect(before.messages.map((m) => m.to)).toEqual(["wangli"]);
    expect(before.warnings[0]).toContain("2027年法定节假日和调休安排未收录");
    expect(await runDailyPush(deps, sh("2027-01-31 08:30"), { dryRun: true })).toMatchObject({
      status: "not_workday",
    });

    await importNotice(sh("2026-12-04 10:00"));

    const off = await runDailyPush(deps, sh("2027-01-01 08:30"));
    expect(off).toMatchObject({ status: "not_workday", workday: false, enqueued: 0, warnings: [] });
    expect(await runReminder(deps, sh("2027-01-01 15:00"))).toMatchObject({
      status: "not_workday",
      enqueued: 0,
    });
    expect(await runDailyPush(deps, sh("2027-02-08 08:30"))).toMatchObject({ status: "not_workday" });
    expect(await rows("daily:2027-01-01:%")).toEqual([]);
    const plan = await createPlanner({ repos: t.store, tz: TZ }).planForDate({ now: sh("2027-01-01 08:30") });
    expect(plan).toMatchObject({ workday: false, day: { source: "override", name: "元旦" } });
  });

  it("a make-up working Sunday from the notice gets the morning card, through the scheduler", async () => {
    const at = sh("2027-01-31 08:30");
    const [result] = await scheduler(at).tick(at, "daily-push");
    expect(result?.outcome).toMatchObject({
      status: "done",
      workday: true,
      date: "2027-01-31",
      warnings: [],
    });
    expect((await rows("daily:2027-01-31:%")).map((r) => r.recipient)).toEqual(["wangli"]);
    // The Monday after is an ordinary working day again.
    expect((await runDailyPush(t.deps(), sh("2027-02-01 08:30"), { dryRun: true })).status).toBe("dry_run");
  });
});

describe("the county admins' weekly alert", () => {
  beforeEach(clearCalendar);

  it("from 1 December: one message a week while 2027 is missing, nothing after the import", async () => {
    // Monday 30 November: the next year is not yet a concern, and the week is not claimed.
    expect(await tickAlert(sh("2026-11-30 09:00"))).toMatchObject({ status: "nothing_due", warnings: [] });
    // Tuesday 1 December (same ISO week 2026-W49): the admin is told.
    const first = await tickAlert(sh("2026-12-01 09:00"));
    expect(first).toMatchObject({ status: "done", enqueued: 1, detail: { week: "2026-W49", years: [2027] } });
    const sent = await rows("calendar-alert:%");
    expect(sent.map((r) => [r.recipient, r.idempotencyKey])).toEqual([
      ["xianzz", `calendar-alert:2026-W49:${admin.id}#1`],
    ]);
    const text = sent[0]?.body.text.content ?? "";
    expect(text).toContain(
      "【节假日安排未录入】2027年的法定节假日和调休安排尚未录入包保助手，自2027年1月1日起",
    );
    expect(text).toContain("\nnpx baobao calendar import 通知.txt\n");
    expect(text).toContain("npx baobao calendar list --year 2027");
    // Guarantors and leaders are not told.
    expect(sent.every((r) => r.recipient === admin.userid)).toBe(true);

    // A second run the same week sends nothing.
    expect(await tickAlert(sh("2026-12-02 09:00"))).toMatchObject({ status: "already_done", enqueued: 0 });
    expect(await rows("calendar-alert:%")).toHaveLength(1);
    // The next week would send again…
    expect(await runCalendarAlert(t.deps(), sh("2026-12-07 09:00"), { dryRun: true })).toMatchObject({
      status: "dry_run",
      messages: [{ to: "xianzz", body: text }],
    });
    // …but the notice is imported first: nothing is sent.
    await importNotice(sh("2026-12-04 16:00"));
    expect(await tickAlert(sh("2026-12-07 09:00"))).toMatchObject({ status: "nothing_due", enqueued: 0 });
    expect(await rows("calendar-alert:%")).toHaveLength(1);
  });

  it("the year itself missing (January without an import) is said so, not as 'from 1 January'", async () => {
    const outcome = await runCalendarAlert(t.deps(), sh("2027-01-04 09:00"), { dryRun: true });
    expect(outcome).toMatchObject({ status: "dry_run", detail: { years: [2027] } });
    expect(outcome.messages[0]?.body).toContain(
      "2027年的法定节假日和调休安排尚未录入包保助手，目前系统只能按周一至周五",
    );
  });

  it("a year marked complete by the operator counts as scheduled; weekends send nothing", async () => {
    expect(await runCalendarAlert(t.deps(), sh("2026-12-05 09:00"), { dryRun: true })).toMatchObject({
      status: "not_workday",
    });
    await baobao(["calendar", "set", "2027", "--complete"], { now: sh("2026-12-04 10:00") });
    expect(await runCalendarAlert(t.deps(), sh("2026-12-14 09:00"), { dryRun: true })).toMatchObject({
      status: "nothing_due",
      messages: [],
    });
  });
});
