/**
 * Abnormal visits completed later, through bot.handle with a fixed clock:
 * - the answer to the follow-up question (`2 异常`, then `持刀`) notifies, raises the urgent
 *   incident and proposes a level exactly as `2 异常 持刀` in one line does;
 * - a correction (`更正 1 异常 …`) of a record that raised an incident joins the open incident
 *   instead of raising a second one for the same anomaly; a correction to a grave anomaly that
 *   no open incident covers raises one.
 */
import { type BotHarness, createBotHarness, type Reply } from "../helpers/bot-harness";

const T0 = new Date("2026-11-24T02:00:00Z"); // Tuesday 10:00 in Shanghai
const MIN = 60_000;

let h: BotHarness;

beforeAll(async () => {
  h = await createBotHarness({ now: T0 });
  const township = (await h.store.regions.findByCode("T"))!;
  h.ids.hejf = (
    await h.store.cadres.create({
      userid: "hejf",
      name: "何静芳",
      roles: ["doctor"],
      homeRegionId: township.id,
    })
  ).id;
  await h.setList("wangli", ["张三@V1", "李四@V1", "王秀英@V1"]);
});
afterAll(() => h?.close());

/** Moves the clock on (past the 10-minute duplicate window by default). */
function later(minutes = 11) {
  h.clock.now = new Date(h.clock.now.getTime() + minutes * MIN);
}

/** Closes every incident and settles every proposal: each scenario starts from a quiet slate. */
async function quiet() {
  await h.db.prisma.incident.updateMany({ data: { status: "closed", nextEscalationAt: null } });
  await h.db.prisma.levelProposal.updateMany({ data: { status: "rejected" } });
}

const lastIncident = () => h.db.prisma.incident.findFirstOrThrow({ orderBy: { id: "desc" } });
const lastProposal = () => h.db.prisma.levelProposal.findFirstOrThrow({ orderBy: { id: "desc" } });

/** Replies with incident and proposal numbers and the time of day made neutral, so two runs compare. */
function neutral(replies: Reply[]) {
  return replies.map((r) => ({
    to: r.to,
    body: JSON.stringify(r.body)
      .replace(/(E|P|incident-|incident-ack:|level-|level-confirm:|level-reject:)\d+/g, "$1#")
      .replace(/\d{1,2}:\d{2}/g, "hh:mm"),
  }));
}

const mine = (replies: Reply[]) => replies.filter((r) => r.to === "wangli").map((r) => r.text);
const others = (replies: Reply[]) => neutral(replies.filter((r) => r.to !== "wangli"));

describe("a grave anomaly given as the answer to the follow-up question", () => {
  test("does what the one-line report does: the same notices, urgent incident and level proposal", async () => {
    await quiet();
    // One line.
    const oneLine = await h.say("wangli", "2 异常 持刀");
    const incidentA = await lastIncident();
    const proposalA = await lastProposal();
    expect(mine(oneLine)).toEqual([
      "已登记：李四 上门走访 异常（打砸伤人）（11月24日）。已通知：刘警官、王德富。回复「撤销」可在30分钟内撤回。",
      `已按紧急情况生成事件 E${incidentA.id}，30分钟内无人确认将逐级上报。`,
    ]);

    await quiet();
    later();
    const startedB = h.clock.now;
    const ask = await h.say("wangli", "2 异常");
    expect(mine(ask)).toEqual([
      "已登记：李四 上门走访 异常（11月24日）。请简要说明情况，例如「情绪激动 已通知民警」。",
    ]);
    // Asking notifies nobody and raises nothing yet.
    expect(others(ask)).toEqual([]);
    expect((await lastIncident()).id).toBe(incidentA.id);
    later(2);
    const answer = await h.say("wangli", "持刀");
    const incidentB = await lastIncident();
    const proposalB = await lastProposal();
    expect(incidentB.id).not.toBe(incidentA.id);
    expect(mine(answer)).toEqual([
      "已补充李四的异常情况：持刀。已通知：刘警官、王德富。",
      `已按紧急情况生成事件 E${incidentB.id}，30分钟内无人确认将逐级上报。`,
    ]);
    // The same people get the same cards (incident, then level proposal), in the same order.
    expect(others(answer)).toEqual(others(oneLine));
    expect(others(answer).length).toBeGreaterThan(1);

    const visitB = await h.db.prisma.visit.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(visitB).toMatchObject({ outcome: "abnormal", anomalies: ["violence"], note: "持刀" });
    const pick = (i: typeof incidentA) => ({
      severity: i.severity,
      category: i.category,
      subjectId: i.subjectId,
      summary: i.summary,
      status: i.status,
      ladderLevel: i.ladderLevel,
    });
    expect(pick(incidentB)).toEqual(pick(incidentA));
    expect(incidentB).toMatchObject({
      severity: "urgent",
      summary: "打砸伤人；持刀",
      sourceMessageId: `visit:${visitB.id}`,
    });
    expect(incidentB.nextEscalationAt?.getTime()).toBe(h.clock.now.getTime() + 30 * MIN);
    expect(startedB.getTime()).toBeLessThan(h.clock.now.getTime());
    expect({ from: proposalB.fromLevel, to: proposalB.toLevel, reason: proposalB.reason }).toEqual({
      from: proposalA.fromLevel,
      to: proposalA.toLevel,
      reason: proposalA.reason,
    });
    expect(proposalB).toMatchObject({ status: "pending", visitId: visitB.id, incidentId: incidentB.id });
  });

  test("a serious but not grave answer tells the village leader, as the one-line report does", async () => {
    await quiet();
    later();
    const oneLine = await h.say("wangli", "2 异常 情绪激动");
    later();
    await h.say("wangli", "2 异常");
    later(1);
    const answer = await h.say("wangli", "情绪激动");
    expect(mine(answer)).toEqual(["已补充李四的异常情况：情绪激动。已通知：王德富。"]);
    expect(others(answer)).toEqual(others(oneLine));
    expect(answer.find((r) => r.to === "wangdefu")?.text).toBe(
      "【走访异常】王丽登记：李四（青山村）异常：情绪激动（11月24日）。",
    );
  });

  test("an answer naming no anomaly notifies nobody", async () => {
    await quiet();
    later();
    const incidents = await h.db.prisma.incident.count();
    await h.say("wangli", "2 异常");
    later(1);
    const answer = await h.say("wangli", "家里来了亲戚 有争吵");
    expect(mine(answer)).toEqual(["已补充李四的异常情况：家里来了亲戚 有争吵。"]);
    expect(others(answer)).toEqual([]);
    expect(await h.db.prisma.incident.count()).toBe(incidents);
  });
});

describe("a correction of a grave visit", () => {
  test("joins the open incident its record raised, through a chain of corrections; no second notice", async () => {
    await quiet();
    later();
    await h.say("wangli", "1 异常 持刀");
    const raised = await lastIncident();
    const proposals = await h.db.prisma.levelProposal.count();
    later(1);
    const c1 = await h.say("wangli", "更正 1 异常 持刀 已控制");
    expect(mine(c1)).toEqual([
      "已更正：张三 上门走访 异常（打砸伤人）（11月24日）。",
      `此前的记录已生成事件 E${raised.id}，仍在处理中；本次更正已记入该事件，不再重复通知。`,
    ]);
    expect(others(c1)).toEqual([]);
    expect((await lastIncident()).id).toBe(raised.id);
    expect(await h.db.prisma.levelProposal.count()).toBe(proposals);
    const event = await h.db.prisma.incidentEvent.findFirstOrThrow({
      where: { incidentId: raised.id },
      orderBy: { id: "desc" },
    });
    expect(event).toMatchObject({
      type: "progress",
      cadreId: h.ids.wangli,
      note: "走访记录已更正：打砸伤人；持刀 已控制",
    });
    // The incident's ladder is untouched.
    expect(await h.db.prisma.incident.findUniqueOrThrow({ where: { id: raised.id } })).toMatchObject({
      nextEscalationAt: raised.nextEscalationAt,
      ladderLevel: raised.ladderLevel,
    });

    // A correction of the correction still finds it.
    later(1);
    const c2 = await h.say("wangli", "更正 1 异常 伤人");
    expect(mine(c2)[1]).toBe(
      `此前的记录已生成事件 E${raised.id}，仍在处理中；本次更正已记入该事件，不再重复通知。`,
    );
    expect((await lastIncident()).id).toBe(raised.id);
    const audit = await h.db.prisma.auditLog.findMany({
      where: { action: "incident.link_correction", entityId: String(raised.id) },
    });
    expect(audit).toHaveLength(2);
  });

  test("a correction to a grave anomaly the open incident does not cover raises a new one", async () => {
    // The open incident is about 打砸伤人; 扬言报复 is grave for a mental disorder too.
    const before = await lastIncident();
    later(1);
    const c = await h.say("wangli", "更正 1 异常 扬言报复");
    const raised = await lastIncident();
    expect(raised.id).not.toBe(before.id);
    expect(raised).toMatchObject({ severity: "urgent", summary: "扬言报复" });
    expect(mine(c)).toEqual([
      "已更正：张三 上门走访 异常（扬言报复）（11月24日）。已通知：刘警官、何静芳、王德富。",
      `已按紧急情况生成事件 E${raised.id}，30分钟内无人确认将逐级上报。`,
    ]);
  });

  test("a correction from normal to grave raises the incident; after it is closed, another correction raises anew", async () => {
    await quiet();
    later();
    await h.say("wangli", "1 正常");
    const before = await h.db.prisma.incident.count();
    later(1);
    const c = await h.say("wangli", "更正 1 异常 持刀");
    expect(await h.db.prisma.incident.count()).toBe(before + 1);
    const raised = await lastIncident();
    expect(mine(c)).toEqual([
      "已更正：张三 上门走访 异常（打砸伤人）（11月24日）。已通知：刘警官、何静芳、王德富。",
      `已按紧急情况生成事件 E${raised.id}，30分钟内无人确认将逐级上报。`,
    ]);
    expect(others(c).map((r) => r.to)).toEqual(expect.arrayContaining(["liujg", "hejf", "wangdefu"]));

    await quiet();
    later(1);
    await h.say("wangli", "更正 1 异常 持刀 又发作");
    expect(await h.db.prisma.incident.count()).toBe(before + 2);
  });
});
