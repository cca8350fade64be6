/**
 * Withdrawing or correcting a visit that raised an incident (issue 11 item 2), the duplicate
 * check (item 5) and the person's name in 统计, through bot.handle and the ladder tick with a
 * fixed clock:
 * - an incident nobody acted on is withdrawn with its visit: closed, its ladder stops even when a
 *   step was already due, everybody notified hears once, 统计 no longer lists it;
 * - one somebody acknowledged stays open and those who acted are told;
 * - a level proposal goes the same way: undecided → withdrawn (no longer decidable), decided →
 *   kept, its decider told;
 * - a graver second report within 10 minutes is recorded and escalates; a true repeat is not;
 *   another day's report is recorded.
 */
import { loadTemplates } from "../../src/bot/templates";
import { runLadderTick } from "../../src/jobs/incident-ladder";
import { buildReport } from "../../src/reports/report";
import { type BotHarness, createBotHarness, type Reply } from "../helpers/bot-harness";

const T0 = new Date("2026-11-24T02:00:00Z"); // Tuesday 10:00 in Shanghai
const MIN = 60_000;
const templates = loadTemplates();

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
  await h.setList("wangli", ["张三@V1", "李四@V1", "王秀英@V1", "张三@V2"]);
});
afterAll(() => h?.close());

/** Each scenario starts an hour after the last: no earlier record is within 撤销's 30 minutes. */
async function nextScenario() {
  h.clock.now = new Date(h.clock.now.getTime() + 60 * MIN);
  await h.db.prisma.incident.updateMany({
    where: { status: { notIn: ["closed", "withdrawn"] } },
    data: { status: "closed", closedAt: h.clock.now, nextEscalationAt: null },
  });
  await h.db.prisma.levelProposal.updateMany({ where: { status: "pending" }, data: { status: "rejected" } });
}

function later(minutes: number) {
  h.clock.now = new Date(h.clock.now.getTime() + minutes * MIN);
}

const lastIncident = () => h.db.prisma.incident.findFirstOrThrow({ orderBy: { id: "desc" } });
const lastProposal = () => h.db.prisma.levelProposal.findFirstOrThrow({ orderBy: { id: "desc" } });
const incident = (id: number) => h.db.prisma.incident.findUniqueOrThrow({ where: { id } });

async function lastOutboxId(): Promise<number> {
  const row = await h.db.prisma.outboundMessage.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
  return row?.id ?? 0;
}

/** Everything enqueued after outbox id `from`, as replies. */
async function sentSince(from: number): Promise<Reply[]> {
  const rows = await h.db.prisma.outboundMessage.findMany({
    where: { id: { gt: from } },
    orderBy: { id: "asc" },
  });
  return rows.map((r) => {
    const body = r.body as Record<string, unknown>;
    return { to: r.recipient, text: (body.text as { content?: string } | undefined)?.content ?? "", body };
  });
}

/** Runs ladder ticks every 30 minutes for 5 hours past `from` (well past the last reminder). */
async function tickForHours(): Promise<Reply[]> {
  const before = await lastOutboxId();
  const start = h.clock.now.getTime();
  for (let m = 0; m <= 300; m += 30) {
    await runLadderTick({ store: h.store, templates, tz: "Asia/Shanghai" }, new Date(start + m * MIN));
  }
  return sentSince(before);
}

const to = (replies: Reply[], userid: string) => replies.filter((r) => r.to === userid).map((r) => r.text);
const mentions = (replies: Reply[], needle: string) =>
  replies.filter((r) => JSON.stringify(r.body).includes(needle));

async function stats(): Promise<string> {
  const [reply] = await h.say("zhoujg", "统计");
  return reply!.text;
}

describe("撤销 of a grave visit nobody acted on", () => {
  test("withdraws the incident and the proposal, stops the ladder, tells each person notified once", async () => {
    await nextScenario();
    const asked = await h.say("wangli", "2 异常");
    expect(to(asked, "wangli")[0]).toContain("请简要说明情况");
    const raised = await h.say("wangli", "打人了");
    const e = await lastIncident();
    const p = await lastProposal();
    expect(e).toMatchObject({ status: "notified", severity: "urgent", subjectId: h.ids["李四@V1"] });
    expect(p).toMatchObject({ status: "pending", incidentId: e.id });
    // 李四 (drug rehabilitation, 青山村): the police and the village leader hear; the police decide.
    expect(mentions(raised, `incident-ack:${e.id}`).map((r) => r.to)).toEqual(["liujg", "wangdefu"]);
    expect(mentions(raised, `level-confirm:${p.id}`).map((r) => r.to)).toEqual(["liujg"]);
    expect(await stats()).toContain(`E${e.id} 李四 打砸伤人`);

    // Exactly at the deadline: the record may still be withdrawn and the ladder's step is due.
    later(30);
    expect((await incident(e.id)).nextEscalationAt!.getTime()).toBe(h.clock.now.getTime());
    const before = await lastOutboxId();
    const r = await h.say("wangli", "撤销");
    expect(to(r, "wangli")).toEqual([
      `已撤销：李四 异常（11月24日）。事件 E${e.id} 已一并撤回，已告知此前收到通知的人员。定级建议 P${p.id} 已一并撤回。`,
    ]);
    expect(to(r, "liujg")).toEqual([
      `E${e.id} 已撤回：登记人撤销了该次走访记录。`,
      `P${p.id} 已撤回：登记人撤销了该次走访记录，李四的定级建议无需处理。`,
    ]);
    expect(to(r, "wangdefu")).toEqual([`E${e.id} 已撤回：登记人撤销了该次走访记录。`]);
    expect((await sentSince(before)).map((m) => m.to).sort()).toEqual([
      "liujg",
      "liujg",
      "wangdefu",
      "wangli",
    ]);

    expect(await incident(e.id)).toMatchObject({
      status: "withdrawn",
      nextEscalationAt: null,
      acknowledgedAt: null,
    });
    expect((await incident(e.id)).closedAt?.getTime()).toBe(h.clock.now.getTime());
    const event = await h.db.prisma.incidentEvent.findFirstOrThrow({
      where: { incidentId: e.id },
      orderBy: { id: "desc" },
    });
    expect(event).toMatchObject({
      type: "withdrawn",
      cadreId: h.ids.wangli,
      note: "登记人撤销了该次走访记录",
    });
    expect(event.at.getTime()).toBe(h.clock.now.getTime());
    expect((await lastProposal()).status).toBe("withdrawn");
    const audit = await h.db.prisma.auditLog.findMany({
      where: { action: { in: ["incident.withdraw", "level.withdraw"] } },
      select: { action: true, entityId: true, actor: true },
    });
    expect(audit).toEqual([
      { action: "incident.withdraw", entityId: String(e.id), actor: "wangli" },
      { action: "level.withdraw", entityId: String(p.id), actor: "wangli" },
    ]);

    // The step that was due, and every later one: nothing is sent.
    expect(await tickForHours()).toEqual([]);
    expect(await incident(e.id)).toMatchObject({ status: "withdrawn", ladderLevel: 0 });

    // 统计 no longer lists it.
    expect(await stats()).not.toContain(`E${e.id}`);

    // A second 撤销 finds nothing of this record and sends nobody anything again.
    const again = await h.say("wangli", "撤销 2");
    expect(to(again, "wangli")).toEqual(["30分钟内没有可撤销的登记。"]);
    expect(again.filter((m) => m.to !== "wangli")).toEqual([]);

    // The incident and the proposal can no longer be handled or decided, by text or by card.
    expect(to(await h.say("liujg", `收到 E${e.id}`), "liujg")).toEqual([
      `E${e.id} 已撤回（登记人撤销或更正了引发它的走访记录），无需处理。`,
    ]);
    expect(to(await h.say("liujg", "收到"), "liujg")).toEqual(["没有需要您确认的事件。"]);
    expect(to(await h.say("liujg", `处理 E${e.id} 已到现场`), "liujg")).toEqual([
      `E${e.id} 已撤回（登记人撤销或更正了引发它的走访记录），无需处理。`,
    ]);
    expect(to(await h.say("liujg", `定级 P${p.id} 确认`), "liujg")).toEqual([
      `P${p.id} 已撤回（登记人撤销或更正了引发它的走访记录），无需处理。`,
    ]);
    const click = await h.send("liujg", {
      type: "template_card_event",
      eventKey: `level-confirm:${p.id}`,
      taskId: `level-${p.id}-c${h.ids.liujg}`,
      cardType: "button_interaction",
      responseCode: "RC1",
      selectedItems: [],
    } as never);
    expect(click[0]!.text).toBe(`P${p.id} 已撤回（登记人撤销或更正了引发它的走访记录），无需处理。`);
    const subject = await h.db.prisma.subject.findUniqueOrThrow({ where: { id: h.ids["李四@V1"] } });
    expect(subject.level).toBe(p.fromLevel);
  });
});

describe("撤销 after somebody acknowledged", () => {
  test("the incident stays open and whoever acted is told; the pending proposal is withdrawn", async () => {
    await nextScenario();
    await h.say("wangli", "1 异常 持刀");
    const e = await lastIncident();
    const p = await lastProposal();
    later(3);
    await h.say("liujg", `收到 E${e.id}`);
    later(2);
    const r = await h.say("wangli", "撤销 1");
    expect(to(r, "wangli")).toEqual([
      `已撤销：张三 异常（11月24日）。事件 E${e.id} 已有人处理，未撤回，已告知处置人员。定级建议 P${p.id} 已一并撤回。`,
    ]);
    expect(to(r, "liujg")).toEqual([
      `E${e.id}：登记人王丽撤销了引发此事件的走访记录（张三）。事件已有人处理，未撤回；如核实无事，请回复「结案 E${e.id} 核实无事」。`,
    ]);
    // The others notified did not act: the acknowledgement relieved them, so they hear nothing more.
    expect(to(r, "wangdefu")).toEqual([]);
    // 何静芳 was asked to decide the proposal: she hears it is off.
    expect(to(r, "hejf")).toEqual([`P${p.id} 已撤回：登记人撤销了该次走访记录，张三的定级建议无需处理。`]);

    expect(await incident(e.id)).toMatchObject({ status: "acknowledged", closedAt: null });
    const event = await h.db.prisma.incidentEvent.findFirstOrThrow({
      where: { incidentId: e.id },
      orderBy: { id: "desc" },
    });
    expect(event).toMatchObject({ type: "source_withdrawn", cadreId: h.ids.wangli });
    expect(await stats()).toContain(`E${e.id} 张三 打砸伤人；持刀（青山村，不到1小时，已有人收到）`);
    // An acknowledged incident has no ladder.
    expect(await tickForHours()).toEqual([]);
  });

  test("someone who reported progress is told too; the incident can still be closed", async () => {
    await nextScenario();
    await h.say("wangli", "2 异常 打人");
    const e = await lastIncident();
    later(3);
    await h.say("wangdefu", `处理 E${e.id} 已到现场`);
    later(2);
    const r = await h.say("wangli", "撤销 2");
    expect(to(r, "wangli")[0]).toContain(`事件 E${e.id} 已有人处理，未撤回，已告知处置人员。`);
    expect(to(r, "wangdefu")).toEqual([
      `E${e.id}：登记人王丽撤销了引发此事件的走访记录（李四）。事件已有人处理，未撤回；如核实无事，请回复「结案 E${e.id} 核实无事」。`,
    ]);
    expect(to(r, "liujg").filter((t) => t.startsWith(`E${e.id}`))).toEqual([]);
    expect(to(await h.say("wangdefu", `结案 E${e.id} 核实无事`), "wangdefu")[0]).toContain(`E${e.id}`);
    expect((await incident(e.id)).status).toBe("closed");
  });
});

describe("更正 after somebody acknowledged", () => {
  test("tells those who acted once; a second correction to 正常 is no news", async () => {
    await nextScenario();
    await h.say("wangli", "2 异常 打人");
    const e = await lastIncident();
    later(3);
    await h.say("wangdefu", `收到 E${e.id}`);
    later(2);
    const r = await h.say("wangli", "更正 2 正常");
    expect(to(r, "wangli")[0]).toBe(
      `已更正：李四 上门走访 正常（11月24日）。事件 E${e.id} 已有人处理，未撤回，已告知处置人员。定级建议 P${(await lastProposal()).id} 已一并撤回。`,
    );
    expect(to(r, "wangdefu")).toEqual([
      `E${e.id}：登记人王丽已将引发此事件的走访（李四）更正为正常。事件已有人处理，未撤回；如核实无事，请回复「结案 E${e.id} 核实无事」。`,
    ]);
    later(1);
    const again = await h.say("wangli", "更正 2 正常");
    expect(to(again, "wangli")).toEqual(["已更正：李四 上门走访 正常（11月24日）。"]);
    expect(again.filter((m) => m.to !== "wangli")).toEqual([]);
    later(1);
    expect((await h.say("wangli", "撤销 2")).filter((m) => m.to !== "wangli")).toEqual([]);
    expect((await incident(e.id)).status).toBe("acknowledged");
  });
});

describe("更正 of a grave visit to a non-grave outcome", () => {
  test("to 正常: withdrawn with the correction's wording, even after its step fell due; idempotent", async () => {
    await nextScenario();
    await h.say("wangli", "1 异常 持刀");
    const e = await lastIncident();
    const p = await lastProposal();
    // The step fell due at 30 minutes, but no tick ran yet.
    later(45);
    const before = await lastOutboxId();
    const r = await h.say("wangli", "更正 1 正常");
    expect(to(r, "wangli")).toEqual([
      `已更正：张三 上门走访 正常（11月24日）。事件 E${e.id} 已一并撤回，已告知此前收到通知的人员。定级建议 P${p.id} 已一并撤回。`,
    ]);
    const notice = `E${e.id} 已撤回：登记人已将该次走访更正为正常。`;
    for (const userid of ["liujg", "hejf", "wangdefu"]) {
      expect(to(r, userid).filter((t) => t.startsWith(`E${e.id}`))).toEqual([notice]);
    }
    expect(to(r, "hejf")).toContain(
      `P${p.id} 已撤回：登记人已将该次走访更正为正常，张三的定级建议无需处理。`,
    );
    expect((await incident(e.id)).status).toBe("withdrawn");
    expect(await tickForHours()).toEqual([]);
    expect(await stats()).not.toContain(`E${e.id}`);

    // Correcting again (and withdrawing the correction) sends nobody anything further.
    later(1);
    const again = await h.say("wangli", "更正 1 正常");
    expect(again.filter((m) => m.to !== "wangli")).toEqual([]);
    later(1);
    const withdrawn = await h.say("wangli", "撤销 1");
    expect(to(withdrawn, "wangli")).toEqual(["已撤销：张三 正常（11月24日）。"]);
    expect(withdrawn.filter((m) => m.to !== "wangli")).toEqual([]);
    const keys = await h.db.prisma.outboundMessage.count({
      where: { idempotencyKey: { startsWith: `incident:${e.id}:withdrawn:` } },
    });
    expect(keys).toBe(3);
    expect((await sentSince(before)).filter((m) => m.text.includes(`E${e.id} 已撤回`))).toHaveLength(3);
  });

  test("to another, not grave, anomaly: withdrawn, saying what it is now", async () => {
    await nextScenario();
    await h.say("wangli", "2 异常 打人");
    const e = await lastIncident();
    later(5);
    const r = await h.say("wangli", "更正 2 异常 情绪低落");
    expect(to(r, "wangli")[0]).toContain(`事件 E${e.id} 已一并撤回`);
    expect(to(r, "wangdefu")).toContain(`E${e.id} 已撤回：登记人已将该次走访更正为异常（情绪低落）。`);
  });
});

describe("a level proposal already decided", () => {
  test("stays as decided when its visit is withdrawn; the decider is told", async () => {
    await nextScenario();
    await h.say("wangli", "2 异常 复吸");
    const e = await lastIncident();
    const p = await lastProposal();
    expect(p).toMatchObject({ status: "pending", incidentId: e.id });
    later(2);
    await h.say("liujg", `定级 P${p.id} 不调整`);
    later(2);
    const r = await h.say("wangli", "撤销 2");
    expect(to(r, "wangli")).toEqual([
      `已撤销：李四 异常（11月24日）。事件 E${e.id} 已一并撤回，已告知此前收到通知的人员。定级建议 P${p.id} 已有结论，未改动。`,
    ]);
    expect(to(r, "liujg")).toEqual([
      `E${e.id} 已撤回：登记人撤销了该次走访记录。`,
      `P${p.id}：登记人撤销了引发此定级建议的走访记录。李四的定级此前已决定维持中风险，未改动；如需重新评估请另行处理。`,
    ]);
    expect((await lastProposal()).status).toBe("rejected");
  });
});

describe("the duplicate check: the same thing about the same day", () => {
  test("a graver report within 10 minutes is recorded and raises the incident", async () => {
    await nextScenario();
    const first = await h.say("wangli", "4 异常 情绪低落");
    expect(to(first, "wangli")[0]).toContain("已登记：张三 上门走访 异常（情绪低落）");
    const incidents = await h.db.prisma.incident.count();
    later(3);
    const graver = await h.say("wangli", "4 异常 复吸 打砸伤人");
    const e = await lastIncident();
    expect(await h.db.prisma.incident.count()).toBe(incidents + 1);
    expect(e).toMatchObject({ subjectId: h.ids["张三@V2"], severity: "urgent" });
    expect(to(graver, "wangli")).toEqual([
      expect.stringContaining("已登记：张三 上门走访 异常（复吸、打砸伤人）"),
      `已按紧急情况生成事件 E${e.id}，30分钟内无人确认将逐级上报。`,
    ]);
    const visits = await h.db.prisma.visit.findMany({
      where: { subjectId: h.ids["张三@V2"], status: "active" },
      orderBy: { id: "asc" },
    });
    expect(visits.map((v) => v.anomalies)).toEqual([["low_mood"], ["relapse", "violence"]]);

    // The same again, anomalies in another order: a true repeat, recorded once.
    later(2);
    const repeat = await h.say("wangli", "4 异常 打砸伤人 复吸");
    expect(to(repeat, "wangli")).toEqual(["张三的这次走访10分钟内已登记过，未重复记录。"]);
    expect(repeat.filter((m) => m.to !== "wangli")).toEqual([]);
    expect(await h.db.prisma.incident.count()).toBe(incidents + 1);
    const repeatFirst = await h.say("wangli", "4 异常 情绪低落");
    expect(to(repeatFirst, "wangli")).toEqual(["张三的这次走访10分钟内已登记过，未重复记录。"]);
  });

  test("`昨天 2 正常` after `2 正常` today is recorded; `2 正常` again is not", async () => {
    await nextScenario();
    await h.say("wangli", "2 正常");
    later(1);
    const yesterday = await h.say("wangli", "昨天 2 正常");
    expect(to(yesterday, "wangli")[0]).toContain("已登记：李四 上门走访 正常（11月23日）");
    later(1);
    expect(to(await h.say("wangli", "2 正常"), "wangli")).toEqual([
      "李四的这次走访10分钟内已登记过，未重复记录。",
    ]);
    expect(to(await h.say("wangli", "昨天 2 正常"), "wangli")).toEqual([
      "李四的这次走访10分钟内已登记过，未重复记录。",
    ]);
    // Another method is another visit.
    expect(to(await h.say("wangli", "2 电话 正常"), "wangli")[0]).toContain("已登记：李四 电话");
  });
});

describe("统计 names the person of an open incident once", () => {
  test("visit-raised and reported by `紧急 <name>` alike", async () => {
    await nextScenario();
    await h.say("wangli", "3 异常 打人");
    const fromVisit = await lastIncident();
    later(1);
    await h.say("wangli", "紧急 张三 持刀 在村口");
    const reported = await lastIncident();
    const text = await stats();
    expect(text).toContain(`E${fromVisit.id} 王秀英 打砸伤人；打人（青山村，`);
    expect(text).toContain(`E${reported.id} 张三 持刀 在村口（青山村，`);
    expect(text).not.toContain("张三 张三");
  });
});

describe("reports", () => {
  test("list a withdrawn incident as withdrawn: not open, not counted as closed", async () => {
    const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(h.clock.now);
    const report = await buildReport({ repos: h.store, tz: "Asia/Shanghai" }, h.clock.now, {
      kind: "daily",
      date,
      regionCode: "T",
    });
    const withdrawn = report.incidents.filter((x) => x.status === "withdrawn").map((x) => x.id);
    expect(withdrawn).toHaveLength(await h.db.prisma.incident.count({ where: { status: "withdrawn" } }));
    expect(withdrawn.length).toBeGreaterThan(2);
    const open = report.summary.openIncidents.map((i) => i.id);
    expect(open.length).toBeGreaterThan(0);
    expect(open.filter((id) => withdrawn.includes(id))).toEqual([]);
    const closed = report.incidents.filter((x) => x.status === "closed" && x.closedAt !== null).length;
    expect(report.incidentCounts.closed).toBe(closed);
  });
});
