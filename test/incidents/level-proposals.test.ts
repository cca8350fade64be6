/**
 * Level proposals (issue 6 part 4): a grave visit or an emergency about a person proposes the next
 * higher level; the responsible department confirms (text or card) or declines; a confirmed level
 * tightens the person's cadence in the plan from then on.
 */
import { createPlanner } from "../../src/planning/planner";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";

const T0 = new Date("2026-11-24T02:00:00Z");
let h: BotHarness;

beforeAll(async () => {
  h = await createBotHarness({ now: T0 });
  const township = (await h.store.regions.findByCode("T"))!;
  const county = (await h.store.regions.findByCode("C"))!;
  const other = await h.store.regions.create({
    code: "T2",
    name: "邻镇",
    level: "township",
    parentId: county.id,
  });
  h.ids.hejf = (
    await h.store.cadres.create({
      userid: "hejf",
      name: "何静芳",
      roles: ["doctor"],
      homeRegionId: township.id,
    })
  ).id;
  h.ids.otherdoc = (
    await h.store.cadres.create({
      userid: "otherdoc",
      name: "林医生",
      roles: ["doctor"],
      homeRegionId: other.id,
    })
  ).id;
});

afterAll(async () => {
  await h?.close();
});

async function policyPeriodOf(subjectKey: string): Promise<string | undefined> {
  const planner = createPlanner({ repos: h.store, tz: "Asia/Shanghai" });
  const plan = await planner.planForCadre(h.ids.wangli!, { now: h.clock.now }, { detail: true });
  const i = plan.subjects.indexOf(h.ids[subjectKey] ?? -1);
  return plan.details?.[i]?.policy?.period;
}

test("a grave visit proposes risk 3; the 精防医生 confirms by text and the plan tightens to weekly", async () => {
  expect(await policyPeriodOf("张三@V1")).toBe("days"); // risk 2: every 14 days
  await h.setList("wangli", ["张三@V1"]);
  const replies = await h.say("wangli", "1 异常 扬言报复");
  const proposal = await h.db.prisma.levelProposal.findFirstOrThrow({ orderBy: { id: "desc" } });
  expect(proposal).toMatchObject({
    subjectId: h.ids["张三@V1"],
    fromLevel: "risk2",
    toLevel: "risk3",
    status: "pending",
    proposerId: h.ids.wangli,
  });
  expect(proposal.visitId).not.toBeNull();
  expect(proposal.incidentId).not.toBeNull();
  // Only the doctor covering 青山村 is asked, 1:1, with a card.
  const cards = replies.filter((r) => JSON.stringify(r.body).includes(`level-confirm:${proposal.id}`));
  expect(cards.map((r) => r.to)).toEqual(["hejf"]);
  expect(JSON.stringify(cards[0]!.body)).toContain("建议调整为风险3级");

  // Not the department, or not this area: refused.
  expect((await h.say("wangdefu", `定级 P${proposal.id} 确认`))[0]?.text).toContain("须由精防医生确认");
  expect((await h.say("otherdoc", `定级 P${proposal.id} 确认`))[0]?.text).toContain("须由精防医生确认");

  h.clock.now = new Date(T0.getTime() + 3_600_000);
  const decided = await h.say("hejf", `定级 P${proposal.id} 确认`);
  expect(decided.find((r) => r.to === "hejf")?.text).toBe(
    `已确认 P${proposal.id}：张三调整为风险3级，走访频次自即日起按新等级计算。`,
  );
  expect(decided.find((r) => r.to === "wangli")?.text).toContain("已由何静芳确认，调整为风险3级");
  const subject = await h.db.prisma.subject.findUniqueOrThrow({ where: { id: h.ids["张三@V1"] } });
  expect(subject.level).toBe("risk3");
  expect(await policyPeriodOf("张三@V1")).toBe("week");
  expect((await h.say("hejf", `定级 P${proposal.id} 不调整`))[0]?.text).toContain("已处理过");
  const audit = await h.db.prisma.auditLog.findFirst({ where: { action: "level.confirm" } });
  expect(audit).toMatchObject({ actor: "hejf", entity: "Subject", entityId: String(h.ids["张三@V1"]) });
});

test("an emergency about a person proposes the next level; 不调整 on the card keeps it", async () => {
  // 王秀英 is elderly_alone `high`, the top level: nothing to propose. 李四 is drug_rehab `medium`.
  await h.say("wangli", "紧急 王秀英 摔倒 无人照看");
  expect(await h.db.prisma.levelProposal.count({ where: { subjectId: h.ids["王秀英@V1"] } })).toBe(0);
  await h.say("wangli", "紧急 李四 复吸 打人");
  const proposal = await h.db.prisma.levelProposal.findFirstOrThrow({
    where: { subjectId: h.ids["李四@V1"] },
  });
  expect(proposal).toMatchObject({ fromLevel: "medium", toLevel: "high", status: "pending" });
  // A second emergency does not pile up another proposal while one is pending.
  await h.say("wangli", "紧急 李四 又在闹事");
  expect(await h.db.prisma.levelProposal.count({ where: { subjectId: h.ids["李四@V1"] } })).toBe(1);

  // drug_rehab is decided by 禁毒办 or the police: 刘警官 taps 不调整.
  const replies = await h.send("liujg", {
    type: "template_card_event",
    eventKey: `level-reject:${proposal.id}`,
    taskId: `level-${proposal.id}-c${h.ids.liujg}`,
    cardType: "button_interaction",
    responseCode: "RC9",
    selectedItems: [],
  } as never);
  expect(replies.find((r) => r.to === "liujg")?.text).toBe(`已记录 P${proposal.id}：李四维持中风险。`);
  const after = await h.db.prisma.levelProposal.findUniqueOrThrow({ where: { id: proposal.id } });
  expect(after).toMatchObject({ status: "rejected", deciderId: h.ids.liujg });
  expect((await h.db.prisma.subject.findUniqueOrThrow({ where: { id: h.ids["李四@V1"] } })).level).toBe(
    "medium",
  );
});

test("unknown proposal numbers and half-typed decisions are answered", async () => {
  expect((await h.say("hejf", "定级 P999 确认"))[0]?.text).toBe("没有找到定级建议 P999。");
  expect((await h.say("hejf", "定级 P3"))[0]?.text).toContain("定级 P12 确认");
});
