/**
 * The "done when", through the sandbox exactly as a person would use it: a guarantor's
 * `紧急 <name> …` reaches the responsible leader's inbox within 10 seconds carrying the incident
 * number; the leader's `收到 E…` acknowledges it and the reporter's inbox says who.
 */
import { postJson, seedSmallTownship, startTestServices, type TestServices } from "../helpers/test-services";

let s: TestServices;

beforeAll(async () => {
  s = await startTestServices();
  const { village, guarantor } = await seedSmallTownship(s);
  const subject = await s.store.subjects.create({
    name: "张三",
    regionId: village.id,
    category: "mental_disorder",
    level: "risk2",
  });
  await s.db.prisma.guarantee.create({
    data: { subjectId: subject.id, cadreId: guarantor.id, startDate: new Date("2026-01-01") },
  });
});
afterAll(() => s.stop());

type Delivery = { seq: number; body: Record<string, unknown> };

/** Polls a sandbox inbox until a delivery matches, for at most `ms`. */
async function waitForInbox(userid: string, since: string, match: (d: Delivery) => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const inbox = (await (
      await fetch(`${s.url}/sandbox/api/inbox/${userid}?since=${since}`)
    ).json()) as Delivery[];
    const found = inbox.find(match);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`nothing matching in ${userid}'s inbox: ${JSON.stringify(inbox)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("紧急 张三 … reaches the township leader with E<n>; 收到 E<n> tells the reporter who", async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  const res = await postJson(`${s.url}/sandbox/api/messages`, {
    from: "wangli",
    text: "紧急 张三 持刀 在村口",
  });
  expect(res.status).toBe(200);
  const incident = await s.db.prisma.incident.findFirstOrThrow();
  const number = `E${incident.id}`;
  // No village leader, police or doctor is registered here: the ladder starts at the township.
  const card = await waitForInbox("zhoujg", since, (d) => JSON.stringify(d.body).includes(number));
  expect(card.body).toMatchObject({ touser: "zhoujg", msgtype: "template_card" });
  expect(JSON.stringify(card.body)).toContain(`收到 ${number}`);
  await waitForInbox("wangli", since, (d) => JSON.stringify(d.body).includes(`已上报紧急事件 ${number}`));

  const ack = await postJson(`${s.url}/sandbox/api/messages`, { from: "zhoujg", text: `收到 ${number}` });
  expect(ack.status).toBe(200);
  const told = await waitForInbox("wangli", since, (d) =>
    JSON.stringify(d.body).includes(`${number} 已由周建国确认收到`),
  );
  expect(told.body).toMatchObject({ touser: "wangli", msgtype: "text" });
  const row = await s.db.prisma.incident.findUniqueOrThrow({ where: { id: incident.id } });
  expect(row).toMatchObject({ status: "acknowledged", nextEscalationAt: null });
});
