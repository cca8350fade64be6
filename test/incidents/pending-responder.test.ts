/**
 * Responders without a WeCom account (`pending:<mobile>`, issue 12) through the bot's seam and
 * the ladder tick: they are passed over, so the role falls to the nearest reachable cadre or the
 * ladder goes on to the next rung at once instead of "notifying" nobody. A message claiming to
 * come from such a placeholder is from an unknown sender.
 */
import { runLadderTick } from "../../src/jobs/incident-ladder";
import { loadTemplates } from "../../src/bot/templates";
import { type BotHarness, createBotHarness, type Reply } from "../helpers/bot-harness";

const T0 = new Date("2026-11-24T02:00:00Z"); // Tuesday 10:00 in Shanghai
const MIN = 60_000;
const templates = loadTemplates();
let h: BotHarness;

beforeAll(async () => {
  h = await createBotHarness({ now: T0 });
  const county = (await h.store.regions.findByCode("C"))!;
  const township = (await h.store.regions.findByCode("T"))!;
  // The village leader of 青山村 was imported without a WeCom account.
  await h.db.prisma.cadre.update({ where: { id: h.ids.wangdefu }, data: { userid: "pending:13900002222" } });
  // The township's 精防医生 too; the county has one who can be reached.
  const doctors: [string, string, number][] = [
    ["pending:13900003333", "何静芳", township.id],
    ["sunyi", "孙医生", county.id],
  ];
  for (const [userid, name, regionId] of doctors) {
    h.ids[userid] = (
      await h.store.cadres.create({ userid, name, roles: ["doctor"], homeRegionId: regionId })
    ).id;
  }
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  h.clock.now = T0;
  await h.db.prisma.incident.updateMany({ data: { status: "closed", nextEscalationAt: null } });
});

const cardRecipients = (replies: Reply[], number: number) =>
  replies.filter((r) => JSON.stringify(r.body).includes(`"incident-ack:${number}"`)).map((r) => r.to);

async function report(text: string) {
  const replies = await h.say("wangli", text);
  const incident = await h.db.prisma.incident.findFirstOrThrow({ orderBy: { id: "desc" } });
  return { replies, incident, number: incident.id };
}

const outboxRecipients = async () =>
  (await h.db.prisma.outboundMessage.findMany({ select: { recipient: true }, orderBy: { id: "asc" } })).map(
    (r) => r.recipient,
  );

test("an emergency whose only village-level responder is pending goes to the township at once", async () => {
  const { replies, incident, number } = await report("紧急 王秀英 摔倒 无人照看");
  // 王秀英 (elderly_alone, 青山村): no civil affairs, the village leader is pending → township.
  expect(cardRecipients(replies, number)).toEqual(["zhoujg"]);
  expect(incident.ladderLevel).toBe(1);
  expect(replies.find((r) => r.to === "wangli")!.text).toContain("已通知：周建国。");
  // Nobody acknowledges: the tick climbs on, never to the placeholder.
  await runLadderTick({ store: h.store, templates, tz: "Asia/Shanghai" }, new Date(T0.getTime() + 6 * MIN));
  const after = await h.db.prisma.incident.findUniqueOrThrow({ where: { id: number } });
  expect(after.ladderLevel).toBeGreaterThan(1);
  expect((await outboxRecipients()).filter((r) => r.startsWith("pending:"))).toEqual([]);
});

test("a pending responder's role falls to the nearest cadre with an account", async () => {
  const { replies, number } = await report("紧急 张三 持刀 在村口");
  // 张三 (mental disorder, 青山村): police, then the county doctor in place of the pending one.
  expect(cardRecipients(replies, number)).toEqual(["liujg", "sunyi"]);
  const events = await h.db.prisma.incidentEvent.findMany({
    where: { incidentId: number, type: "notified" },
  });
  expect(events.map((e) => e.cadreId)).not.toContain(h.ids["pending:13900003333"]);
  expect((await outboxRecipients()).filter((r) => r.startsWith("pending:"))).toEqual([]);
});

test("a message claiming to come from a placeholder userid is not that cadre's", async () => {
  const before = await h.db.prisma.incident.count();
  const replies = await h.say("pending:13900002222", "紧急 王秀英 摔倒");
  expect(await h.db.prisma.incident.count()).toBe(before);
  expect(replies.map((r) => r.text).join("\n")).not.toContain("已上报");
});

test("a serious abnormal visit tells the village leaders with an account only", async () => {
  // A second leader of 青山村 who can be reached.
  await h.store.cadres.create({
    userid: "chenxl",
    name: "陈小龙",
    roles: ["village_leader"],
    homeRegionId: (await h.store.regions.findByCode("V1"))!.id,
  });
  await h.setList("wangli", ["王秀英@V1"]);
  const before = await h.db.prisma.outboundMessage.count();
  // 扬言报复 is no emergency for a person living alone, but the village leaders hear of it.
  const replies = await h.say("wangli", "1 异常 扬言报复");
  const visit = await h.db.prisma.visit.findFirstOrThrow({ orderBy: { id: "desc" } });
  expect(visit.outcome).toBe("abnormal");
  const recipients = (await outboxRecipients()).slice(before);
  expect(recipients).toContain("chenxl");
  expect(recipients.filter((r) => r.startsWith("pending:"))).toEqual([]);
  expect(replies.find((r) => r.to === "wangli")!.text).not.toContain("王德富");
});
