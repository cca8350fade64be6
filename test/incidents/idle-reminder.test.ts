/**
 * An acknowledged incident with no 处理 and no 结案 for 7 days reminds its acknowledger once a
 * week until it is closed (issue 11 item 8): working days only, once per week whatever the runs
 * and instances, a new count after 处理, never after 结案. Fixed clock, through the bot and the job.
 */
import { runIncidentIdleReminder } from "../../src/jobs/incident-idle-reminder";
import type { JobDeps } from "../../src/jobs/job";
import { JOB_TABLE } from "../../src/jobs/job-table";
import { jobDepsFor } from "../helpers/job-deps";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";
import { sh } from "../planning/township-fixture";

let h: BotHarness;
let e: number;

const deps = (clock: Date, instance = "a"): JobDeps => jobDepsFor(h.store, clock, instance);

async function say(at: string, from: string, text: string): Promise<string> {
  h.clock.now = sh(at);
  return (await h.say(from, text)).find((r) => r.to === from)?.text ?? "";
}

const run = (at: string, instance = "a") => runIncidentIdleReminder(deps(sh(at), instance), sh(at));

/** Idle reminders in the outbox, oldest first. */
async function reminders() {
  const rows = await h.db.prisma.outboundMessage.findMany({
    where: { idempotencyKey: { contains: ":idle:" } },
    select: { recipient: true, idempotencyKey: true, body: true, priority: true },
    orderBy: { id: "asc" },
  });
  return rows.map((r) => ({
    to: r.recipient,
    key: r.idempotencyKey,
    text: (r.body as { text?: { content?: string } }).text?.content ?? "",
    priority: r.priority,
  }));
}

beforeAll(async () => {
  h = await createBotHarness({ now: sh("2026-11-27 09:00") });
  await h.setList("wangli", ["张三@V1", "李四@V1", "王秀英@V1"]);
  // Friday 27 November: reported, acknowledged by 刘警官 at 10:00.
  e = Number(/E(\d+)/.exec(await say("2026-11-27 09:00", "wangli", "事件 李四 与邻居争吵"))?.[1]);
  expect(await say("2026-11-27 10:00", "liujg", `收到 E${e}`)).toContain("已确认收到");
  // Acknowledged the same day and closed the next: never reminded.
  const closed = Number(/E(\d+)/.exec(await say("2026-11-27 11:00", "wangli", "事件 李四 家中失窃"))?.[1]);
  await say("2026-11-27 11:30", "liujg", `收到 E${closed}`);
  await say("2026-11-28 11:30", "liujg", `结案 E${closed} 已追回`);
});
afterAll(() => h.close());

test("runs as a daily job at 09:00 on working days", () => {
  expect(JOB_TABLE.find((j) => j.name === "incident-idle-reminder")).toMatchObject({ cron: "0 9 * * *" });
});

test("nothing before 7 days have passed", async () => {
  expect(await run("2026-12-03 09:00")).toMatchObject({ status: "done", enqueued: 0 });
  expect(await reminders()).toEqual([]);
});

test("on the 7th day the acknowledger is reminded 1:1, once, whatever the runs and instances", async () => {
  const dry = await runIncidentIdleReminder(deps(sh("2026-12-04 09:00")), sh("2026-12-04 09:00"), {
    dryRun: true,
  });
  expect(dry).toMatchObject({ status: "dry_run", enqueued: 0 });
  expect(dry.messages).toHaveLength(1);
  expect(await reminders()).toEqual([]);

  expect(await run("2026-12-04 09:00")).toMatchObject({ status: "done", enqueued: 1 });
  expect(await reminders()).toEqual([
    {
      to: "liujg",
      key: `incident:${e}:idle:2026-11-27:w1#1`,
      text: `E${e}（李四）已收到7天，尚未结案。有进展请回复「处理 E${e} 进展情况」，已办结请回复「结案 E${e} 处理结果」。`,
      priority: 0,
    },
  ]);
  // The same day again (another instance), and the following days of the same week.
  expect(await run("2026-12-04 10:00", "b")).toMatchObject({ status: "already_done", enqueued: 0 });
  expect(await run("2026-12-07 09:00", "b")).toMatchObject({ status: "done", enqueued: 0 });
  expect(await run("2026-12-10 09:00")).toMatchObject({ status: "done", enqueued: 0 });
  expect(await reminders()).toHaveLength(1);
  // Recorded on the incident and audited.
  const events = await h.db.prisma.incidentEvent.findMany({ where: { incidentId: e, type: "escalated" } });
  expect(events.filter((ev) => ev.note?.includes("提醒收到人"))).toHaveLength(1);
  expect(await h.db.prisma.auditLog.count({ where: { action: "incident.idle_reminder" } })).toBe(1);
});

test("again the next week; a weekend reminder waits for the working day", async () => {
  // 14 days on Friday 11 December.
  expect(await run("2026-12-11 09:00")).toMatchObject({ status: "done", enqueued: 1 });
  expect((await reminders()).map((r) => r.key)).toEqual([
    `incident:${e}:idle:2026-11-27:w1#1`,
    `incident:${e}:idle:2026-11-27:w2#1`,
  ]);
  // 21 days fall on Friday 18 December. Say that run was missed (the server was down): Saturday
  // is not a working day and sends nothing; Monday sends that week's reminder.
  expect(await run("2026-12-19 09:00")).toMatchObject({ status: "not_workday", enqueued: 0 });
  expect(await run("2026-12-21 09:00")).toMatchObject({ status: "done", enqueued: 1 });
  expect((await reminders()).at(-1)?.text).toContain("已收到24天，尚未结案");
});

test("处理 starts a new week count; 结案 ends the reminders", async () => {
  expect(await say("2026-12-22 15:00", "liujg", `处理 E${e} 已调解`)).toContain(`E${e}`);
  expect(await run("2026-12-28 09:00")).toMatchObject({ enqueued: 0 });
  expect(await run("2026-12-29 09:00")).toMatchObject({ enqueued: 1 });
  const last = (await reminders()).at(-1);
  expect(last?.key).toBe(`incident:${e}:idle:2026-12-22:w1#1`);
  expect(last?.text).toBe(
    `E${e}（李四）已收到32天，尚未结案，最近7天没有新的处理进展。有进展请回复「处理 E${e} 进展情况」，已办结请回复「结案 E${e} 处理结果」。`,
  );
  await say("2026-12-30 10:00", "liujg", `结案 E${e} 双方和解`);
  const before = (await reminders()).length;
  for (const day of ["2027-01-05", "2027-01-12", "2027-01-19"]) await run(`${day} 09:00`);
  expect(await reminders()).toHaveLength(before);
});
