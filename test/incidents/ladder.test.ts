/**
 * The acknowledgement ladder through the bot's seam (bot.handle) and the ladder tick, with a
 * fixed clock: who hears first, climbing when nobody answers, stopping on 收到, restarts and
 * concurrent ticks, and who may handle an incident.
 */
import crypto from "node:crypto";
import { loadTemplates } from "../../src/bot/templates";
import { LAST_STEP, MAX_REMINDERS } from "../../src/domain/escalation-ladder";
import { runLadderTick } from "../../src/jobs/incident-ladder";
import { createIdCipher } from "../../src/store/id-cipher";
import { createStore, type Store } from "../../src/store/store";
import { type BotHarness, createBotHarness, type Reply } from "../helpers/bot-harness";

const T0 = new Date("2026-11-24T02:00:00Z"); // Tuesday 10:00 in Shanghai
const MIN = 60_000;
const templates = loadTemplates();

let h: BotHarness;

beforeAll(async () => {
  h = await createBotHarness({ now: T0 });
  const county = (await h.store.regions.findByCode("C"))!;
  const township = (await h.store.regions.findByCode("T"))!;
  const other = await h.store.regions.create({
    code: "T2",
    name: "邻镇",
    level: "township",
    parentId: county.id,
  });
  const extra: [string, string, ("county_admin" | "doctor" | "township_leader")[], number][] = [
    ["zhengzc", "郑志成", ["county_admin"], county.id],
    ["hejf", "何静芳", ["doctor"], township.id],
    ["outsider", "林外镇", ["township_leader"], other.id],
  ];
  for (const [userid, name, roles, regionId] of extra) {
    h.ids[userid] = (await h.store.cadres.create({ userid, name, roles, homeRegionId: regionId })).id;
  }
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  h.clock.now = T0;
  // Each test watches its own incidents: earlier ones are closed.
  await h.db.prisma.incident.updateMany({ data: { status: "closed", nextEscalationAt: null } });
});

/** Runs one ladder tick at `at` (the clock moves there) and returns what it enqueued. */
async function tick(at: Date, store: Store = h.store): Promise<Reply[]> {
  h.clock.now = at;
  const before = await lastOutboxId();
  await runLadderTick({ store, templates, tz: "Asia/Shanghai" }, at);
  return outboxAfter(before);
}

async function lastOutboxId(): Promise<number> {
  const row = await h.db.prisma.outboundMessage.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
  return row?.id ?? 0;
}

async function outboxAfter(id: number): Promise<Reply[]> {
  const rows = await h.db.prisma.outboundMessage.findMany({
    where: { id: { gt: id } },
    orderBy: { id: "asc" },
  });
  return rows.map((r) => {
    const body = r.body as Record<string, unknown>;
    return { to: r.recipient, text: (body.text as { content?: string } | undefined)?.content ?? "", body };
  });
}

/** Recipients of incident cards (the 收到 button) in `replies`, in order. */
const cardRecipients = (replies: Reply[], number: number) =>
  replies.filter((r) => JSON.stringify(r.body).includes(`"incident-ack:${number}"`)).map((r) => r.to);

async function report(text: string, from = "wangli") {
  const replies = await h.say(from, text);
  const incident = await h.db.prisma.incident.findFirstOrThrow({ orderBy: { id: "desc" } });
  return { replies, incident, number: incident.id };
}

const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);

test("an emergency reaches the category's responders and the village leader at once, in order, ahead of routine mail", async () => {
  const { replies, incident, number } = await report("紧急 王秀英 摔倒 无人照看");
  // 王秀英: elderly_alone in 青山村 → civil affairs (none registered) + the village leader.
  expect(cardRecipients(replies, number)).toEqual(["wangdefu"]);

  const { replies: r2, number: n2 } = await report("紧急 张三 持刀 在村口");
  // 张三 (青山村, mental disorder): police, 精防医生, village leader — not yet the township.
  expect(cardRecipients(r2, n2)).toEqual(["liujg", "hejf", "wangdefu"]);
  const events = await h.db.prisma.incidentEvent.findMany({
    where: { incidentId: n2, type: "notified" },
    orderBy: { id: "asc" },
  });
  expect(events.map((e) => [e.cadreId, e.note, e.rung])).toEqual([
    [h.ids.liujg, "police", 0],
    [h.ids.hejf, "doctor", 0],
    [h.ids.wangdefu, "village_leader", 0],
  ]);
  const card = r2.find((r) => r.to === "liujg")!.body as {
    template_card: { card_type: string; main_title: { title: string }; sub_title_text: string };
  };
  expect(card.template_card.card_type).toBe("button_interaction");
  expect(card.template_card.main_title.title).toBe(`【紧急事件 E${n2}】`);
  expect(card.template_card.sub_title_text).toContain("王丽报告：张三（精神障碍），持刀 在村口");
  expect(card.template_card.sub_title_text).toContain(`回复「收到 E${n2}」`);
  const mine = r2.find((r) => r.to === "wangli")!;
  expect(mine.text).toBe(
    `已上报紧急事件 E${n2}。已通知：刘警官、何静芳、王德富。5分钟内无人确认将逐级上报。`,
  );
  // The notifications are queued ahead of routine messages, one key per incident, step and person.
  const rows = await h.db.prisma.outboundMessage.findMany({
    where: { idempotencyKey: { startsWith: `incident:${n2}:` } },
    orderBy: { id: "asc" },
  });
  expect(rows.map((r) => r.idempotencyKey)).toEqual([
    `incident:${n2}:r0:${h.ids.liujg}#1`,
    `incident:${n2}:r0:${h.ids.hejf}#1`,
    `incident:${n2}:r0:${h.ids.wangdefu}#1`,
  ]);
  expect(rows.every((r) => r.priority > 0)).toBe(true);
  expect(incident.nextEscalationAt).toEqual(at(5));
});

test("nobody answers: it climbs to the township, then the county, then reminds, and stops after the last reminder", async () => {
  const { number } = await report("紧急 张三 持刀 在村口");
  // Before the deadline nothing moves.
  expect(cardRecipients(await tick(at(4.9)), number)).toEqual([]);

  const first = await tick(at(5));
  expect(cardRecipients(first, number)).toEqual(["zhoujg"]);
  expect(first.find((r) => r.to === "wangli")?.text).toBe(
    `E${number} 在规定时间内无人确认，已上报乡镇：周建国。`,
  );
  // The township leader of the neighbouring township never hears of it.
  expect(first.some((r) => r.to === "outsider")).toBe(false);

  const second = await tick(at(10));
  expect(cardRecipients(second, number)).toEqual(["zhengzc"]);
  expect(second.find((r) => r.to === "wangli")?.text).toContain("已上报县级：郑志成");

  // Above the top rung: everybody notified is reminded, with a distinct card each time.
  const remind = await tick(at(15));
  expect(cardRecipients(remind, number).sort()).toEqual(
    ["hejf", "liujg", "wangdefu", "zhengzc", "zhoujg"].sort(),
  );
  expect(JSON.stringify(remind[0]!.body)).toContain("第1次提醒");
  expect(remind.some((r) => r.to === "wangli")).toBe(false);

  for (let k = 2; k <= MAX_REMINDERS; k++) await tick(at(10 + 5 * k));
  const last = await tick(at(10 + 5 * (MAX_REMINDERS + 1)));
  expect(cardRecipients(last, number)).toEqual([]);
  expect(last.map((r) => r.to)).toEqual(["wangli"]);
  expect(last[0]!.text).toContain("仍无人确认");
  const row = await h.db.prisma.incident.findUniqueOrThrow({ where: { id: number } });
  expect(row).toMatchObject({ ladderLevel: LAST_STEP, nextEscalationAt: null, status: "notified" });
  // Bounded: nothing more, ever.
  expect(await tick(at(600))).toEqual([]);
  const steps = await h.db.prisma.incidentEvent.findMany({
    where: { incidentId: number, type: "escalated" },
    orderBy: { id: "asc" },
  });
  expect(steps.map((e) => e.rung)).toEqual([
    1,
    2,
    ...Array.from({ length: MAX_REMINDERS }, (_, i) => 3 + i),
    LAST_STEP,
  ]);
});

test("收到 E<n> stops the ladder and tells the reporter who acknowledged", async () => {
  const { number } = await report("紧急 张三 持刀 在村口");
  await tick(at(5)); // → township
  h.clock.now = at(6);
  const ack = await h.say("zhoujg", `收到 E${number}`);
  expect(ack.find((r) => r.to === "zhoujg")?.text).toContain(`已确认收到 E${number}`);
  expect(ack.find((r) => r.to === "wangli")?.text).toBe(`E${number} 已由周建国确认收到。`);
  // No further rung, no reminder.
  expect(await tick(at(11))).toEqual([]);
  expect(await tick(at(60))).toEqual([]);
  const row = await h.db.prisma.incident.findUniqueOrThrow({ where: { id: number } });
  expect(row).toMatchObject({ status: "acknowledged", nextEscalationAt: null, acknowledgedAt: at(6) });
  // A second acknowledgement is recorded but the reporter is told only once.
  const again = await h.say("liujg", `收到 E${number}`);
  expect(again.some((r) => r.to === "wangli")).toBe(false);
});

test("the 收到 button acknowledges like 收到 E<n> and greys out", async () => {
  const { number } = await report("紧急 张三 持刀 在村口");
  const replies = await h.send("wangdefu", {
    type: "template_card_event",
    eventKey: `incident-ack:${number}`,
    taskId: `incident-${number}-s0-c${h.ids.wangdefu}`,
    cardType: "button_interaction",
    responseCode: "RC1",
    selectedItems: [],
  } as never);
  expect(replies.find((r) => r.to === "wangli")?.text).toBe(`E${number} 已由王德富确认收到。`);
  expect(
    replies.find((r) => r.to === "wangdefu" && r.body.msgtype === "update_template_card")?.body,
  ).toMatchObject({
    response_code: "RC1",
    button: { replace_name: "已收到" },
  });
  expect(await tick(at(5))).toEqual([]);
});

test("two ticks at once notify each person once", async () => {
  const { number } = await report("紧急 张三 持刀 在村口");
  const store2 = createStore(h.db.prisma, createIdCipher(crypto.randomBytes(32)));
  const before = await lastOutboxId();
  h.clock.now = at(5);
  const results = await Promise.all([
    runLadderTick({ store: h.store, templates, tz: "Asia/Shanghai" }, at(5)),
    runLadderTick({ store: store2, templates, tz: "Asia/Shanghai" }, at(5)),
  ]);
  expect(results.reduce((n, r) => n + r.moved, 0)).toBe(1);
  const sent = await outboxAfter(before);
  expect(cardRecipients(sent, number)).toEqual(["zhoujg"]);
  expect(sent.filter((r) => r.to === "wangli")).toHaveLength(1);
});

test("a restarted service continues the ladder from the database", async () => {
  const { number } = await report("紧急 张三 持刀 在村口");
  await tick(at(5));
  // A new process: nothing in memory, a fresh store on the same database.
  const restarted = createStore(h.db.prisma, createIdCipher(crypto.randomBytes(32)));
  const next = await tick(at(10), restarted);
  expect(cardRecipients(next, number)).toEqual(["zhengzc"]);
});

test("处理 and 结案: refused for a guarantor and for a leader outside the area; a responder's 处理 stops the ladder", async () => {
  const { number } = await report("紧急 张三 持刀 在村口");
  expect((await h.say("zhaoqiang", `处理 E${number} 已到场`))[0]?.text).toBe(
    "只有处置人员和领导可以处理事件。",
  );
  expect((await h.say("outsider", `结案 E${number}`))[0]?.text).toContain(`E${number} 不在您的处置范围内`);
  expect((await h.say("outsider", `收到 E${number}`))[0]?.text).toContain("不是发给您的事件");
  h.clock.now = at(2);
  const progress = await h.say("liujg", `处理 E${number} 已到场控制`);
  expect(progress.find((r) => r.to === "liujg")?.text).toContain("已记录");
  expect(progress.find((r) => r.to === "wangli")?.text).toBe(`E${number} 已由刘警官确认收到。`);
  expect(await tick(at(5))).toEqual([]);
  // The township leader covers 青山村 although never notified: may close it.
  const closed = await h.say("zhoujg", `结案 E${number} 已送医`);
  expect(closed[0]?.text).toBe(`已结案 E${number}。`);
  const types = await h.db.prisma.incidentEvent.findMany({
    where: { incidentId: number },
    orderBy: { id: "asc" },
  });
  expect(types.map((e) => e.type)).toEqual([
    "reported",
    "notified",
    "notified",
    "notified",
    "progress",
    "closed",
  ]);
  const audit = await h.db.prisma.auditLog.findMany({
    where: { entity: "Incident", entityId: String(number) },
  });
  expect(audit.map((a) => a.action).sort()).toEqual(
    ["incident.acknowledge", "incident.close", "incident.progress", "incident.report"].sort(),
  );
});

test("an abnormal visit with a grave anomaly becomes an urgent incident with a 30-minute ladder", async () => {
  await h.setList("wangli", ["张三@V1", "李四@V1"]);
  h.clock.now = at(1);
  const replies = await h.say("wangli", "1 异常 持刀伤人 已控制");
  const incident = await h.db.prisma.incident.findFirstOrThrow({ orderBy: { id: "desc" } });
  expect(incident).toMatchObject({
    severity: "urgent",
    subjectId: h.ids["张三@V1"],
    summary: "打砸伤人；持刀伤人 已控制",
    nextEscalationAt: at(31),
  });
  const mine = replies.filter((r) => r.to === "wangli").map((r) => r.text);
  expect(mine[0]).toContain("已通知：刘警官、何静芳、王德富");
  expect(mine[1]).toBe(`已按紧急情况生成事件 E${incident.id}，30分钟内无人确认将逐级上报。`);
  expect(cardRecipients(replies, incident.id)).toEqual(["liujg", "hejf", "wangdefu"]);
  expect(cardRecipients(await tick(at(30)), incident.id)).toEqual([]);
  expect(cardRecipients(await tick(at(31)), incident.id)).toEqual(["zhoujg"]);
  // A mild anomaly stays an ordinary notice.
  h.clock.now = at(40);
  const before = await h.db.prisma.incident.count();
  await h.say("wangli", "2 异常 情绪低落");
  expect(await h.db.prisma.incident.count()).toBe(before);
});

test("事件 … is a normal incident: the first rung hears, no ladder", async () => {
  const { replies, incident, number } = await report("事件 李四 与邻居争吵");
  expect(incident).toMatchObject({ severity: "normal", nextEscalationAt: null });
  // 李四: drug rehabilitation → police (禁毒办 not registered) and the village leader.
  expect(cardRecipients(replies, number)).toEqual(["liujg", "wangdefu"]);
  expect(replies.find((r) => r.to === "wangli")?.text).toBe(
    `已上报事件 E${number}。已通知：刘警官、王德富。`,
  );
  expect(await tick(at(120))).toEqual([]);
});

test("`baobao incident tick` climbs what is due, once", async () => {
  const { run } = await import("../../src/cli/main");
  const { makeTempDir } = await import("../helpers/temp-dir");
  const { number } = await report("紧急 张三 持刀 在村口");
  // The CLI reads the real clock: make the deadline long past.
  await h.db.prisma.incident.update({
    where: { id: number },
    data: { nextEscalationAt: new Date("2020-01-01") },
  });
  const tmp = makeTempDir();
  const env = {
    DATABASE_URL: h.db.url,
    DATA_DIR: tmp.dir,
    BAOBAO_SECRET_KEY: crypto.randomBytes(32).toString("hex"),
    LOG_LEVEL: "silent",
  };
  try {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    expect(await run(["node", "baobao", "incident", "tick", "--json"], env, io)).toBe(0);
    expect(JSON.parse(out[0]!)).toEqual({ due: 1, moved: 1, failed: 0 });
    expect(await run(["node", "baobao", "incident", "tick"], env, io)).toBe(0);
    expect(out[1]).toBe("没有到期未确认的事件。");
  } finally {
    tmp.cleanup();
  }
  const notified = await h.db.prisma.incidentEvent.findMany({
    where: { incidentId: number, rung: 1, type: "notified" },
  });
  expect(notified.map((e) => e.cadreId)).toEqual([h.ids.zhoujg]);
});
