import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import pino from "pino";
import { loadTemplates } from "../../src/bot/templates";
import { runDailyPush } from "../../src/jobs/daily-push";
import type { JobDeps } from "../../src/jobs/job";
import { createPlanner } from "../../src/planning/planner";
import { postJson, seedSmallTownship, startTestServices, type TestServices } from "../helpers/test-services";

let s: TestServices;

beforeAll(async () => {
  s = await startTestServices();
  await seedSmallTownship(s);
});
afterAll(() => s.stop());

test("GET /sandbox/api/users lists the registered people with roles and region", async () => {
  const users = await (await fetch(`${s.url}/sandbox/api/users`)).json();
  expect(users).toEqual(
    expect.arrayContaining([
      { userid: "wangli", name: "王丽", roles: ["guarantor"], region: "青山村" },
      { userid: "zhoujg", name: "周建国", roles: ["township_leader"], region: "示范镇" },
    ]),
  );
});

test("an unknown sender gets exactly one polite reply, an audit entry, and nothing else", async () => {
  const before = await s.db.prisma.outboundMessage.count();
  const res = await postJson(`${s.url}/sandbox/api/messages`, { from: "stranger", text: "1 正常" });
  expect(res.status).toBe(200);
  expect(res.json.replies).toHaveLength(1);
  expect(res.json.replies[0]!.body.text.content).toBe("您尚未登记为包保人员，请联系管理员。");
  expect(res.json.replies[0]!.body.touser).toBe("stranger");
  expect(await s.db.prisma.outboundMessage.count()).toBe(before + 1);
  expect(await s.db.prisma.visit.count()).toBe(0);
  const audit = await s.db.prisma.auditLog.findMany({ where: { action: "inbound.unknown_sender" } });
  expect(audit).toEqual([expect.objectContaining({ actor: "stranger" })]);
});

test("a registered sender's message goes through the real callback and comes back as a reply", async () => {
  const since = new Date();
  const res = await postJson(`${s.url}/sandbox/api/messages`, { from: "wangli", text: "帮助" });
  expect(res.status).toBe(200);
  expect(res.json.replies.length).toBeGreaterThanOrEqual(1);
  expect(res.json.replies[0]!.api).toBe("message/send");
  // The same message is in the user's inbox, with its WeCom JSON body.
  const inbox = (await (
    await fetch(`${s.url}/sandbox/api/inbox/wangli?since=${since.toISOString()}`)
  ).json()) as { seq: number; body: unknown }[];
  expect(inbox.map((d: { seq: number }) => d.seq)).toEqual(
    res.json.replies.map((d: { seq: number }) => d.seq),
  );
  expect(inbox[0]?.body).toMatchObject({ touser: "wangli", msgtype: "text", agentid: expect.any(Number) });
  // Stored on the way in, processed once.
  const inbound = await s.db.prisma.inboundMessage.findMany({ where: { fromUser: "wangli" } });
  expect(inbound).toEqual([expect.objectContaining({ status: "processed", msgType: "text" })]);
});

test("bad input to the sandbox API gets a clear 4xx and changes nothing", async () => {
  const before = await s.db.prisma.inboundMessage.count();
  expect((await postJson(`${s.url}/sandbox/api/messages`, { from: "wangli" })).status).toBe(400);
  const bad = await fetch(`${s.url}/sandbox/api/messages`, { method: "POST", body: "{not json" });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { message: string }).message).toContain("JSON");
  const click = await postJson(`${s.url}/sandbox/api/cards/click`, {
    from: "wangli",
    taskId: "nope",
    key: "x",
  });
  expect(click.status).toBe(404);
  const since = await fetch(`${s.url}/sandbox/api/inbox/wangli?since=yesterday`);
  expect(since.status).toBe(400);
  expect(await s.db.prisma.inboundMessage.count()).toBe(before);
});

test("the sandbox page is served", async () => {
  const res = await fetch(`${s.url}/sandbox`);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("包保助手 · 沙箱");
});

test("the same encrypted message delivered three times gives one record and one reply", async () => {
  const emulator = s.emulator!;
  const since = new Date();
  const request = emulator.callbacks.text({
    fromUserId: "wangli",
    content: "帮助",
    msgId: "9007199254740993123",
  });
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${s.url}/wecom/callback?${request.queryString}`, {
      method: "POST",
      body: request.body,
    });
    expect(res.status).toBe(200);
  }
  // Wait until the reply is delivered (the outbox polls every 50 ms in tests), then a bit more
  // to catch a second one if there were any.
  for (let i = 0; i < 60 && emulator.inbox("wangli", since).length === 0; i++)
    await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  expect(await s.db.prisma.inboundMessage.count({ where: { externalId: "msg:9007199254740993123" } })).toBe(
    1,
  );
  expect(emulator.inbox("wangli", since)).toHaveLength(1);
  expect(emulator.violations()).toEqual([]);
});

test("任务 brings a one-tap card; a click records the visit and updates the card", async () => {
  await s.store.policies.seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, new Date());
  const village = (await s.store.regions.findByCode("V"))!;
  const cadre = (await s.store.cadres.findByUserid("wangli"))!;
  for (const name of ["钱一", "钱二"]) {
    const subject = await s.store.subjects.create({
      name,
      regionId: village.id,
      category: "mental_disorder",
      level: "risk3",
    });
    await s.db.prisma.guarantee.create({
      data: { subjectId: subject.id, cadreId: cadre.id, startDate: new Date("2026-01-01") },
    });
  }
  const tasks = await postJson(`${s.url}/sandbox/api/messages`, { from: "wangli", text: "任务" });
  const card = tasks.json.replies.find((d: { msgtype: string }) => d.msgtype === "template_card");
  expect(card).toBeDefined();
  const tc = card!.body.template_card;
  const options = tc.button_selection.option_list.map((o: { text: string }) => o.text) as string[];
  // Numbered 1 and 2 in plan order, naming exactly the two people (their order is the plan's).
  expect(options.map((o) => o.slice(0, 3))).toEqual(["1. ", "2. "]);
  expect(options.map((o) => o.slice(3)).sort()).toEqual(["钱一", "钱二"]);
  const [firstName, secondName] = options.map((o) => o.slice(3));
  // Choose the second person and tap 正常.
  const click = await postJson(`${s.url}/sandbox/api/cards/click`, {
    from: "wangli",
    taskId: tc.task_id,
    key: "normal",
    selectedId: tc.button_selection.option_list[1]!.id,
  });
  expect(click.status).toBe(200);
  const texts = click.json.replies.map(
    (d: { body: { text?: { content: string } } }) => d.body.text?.content ?? "",
  );
  expect(texts.join("\n")).toContain(`已登记：${secondName} 上门走访 正常`);
  const update = click.json.replies.find((d: { msgtype: string }) => d.msgtype === "update_template_card");
  expect(
    update!.body.template_card.button_selection.option_list.map((o: { text: string }) => o.text),
  ).toEqual([`1. ${firstName}`]);
  expect(await s.db.prisma.visit.count({ where: { cadreId: cadre.id, status: "active" } })).toBe(1);
  // The default selection is used when the click names none: the last person, then the card closes.
  const last = await postJson(`${s.url}/sandbox/api/cards/click`, {
    from: "wangli",
    taskId: tc.task_id,
    key: "normal",
  });
  expect(
    last.json.replies.map((d: { body: { text?: { content: string } } }) => d.body.text?.content ?? "").join(),
  ).toContain(`已登记：${firstName}`);
  expect(last.json.replies.some((d: { msgtype: string }) => d.msgtype === "update_button")).toBe(true);
  expect(s.emulator!.violations()).toEqual([]);
});

test("the morning card is the one-tap card: a click through the API and an encrypted callback record visits", async () => {
  await s.store.policies.seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, new Date());
  const village = (await s.store.regions.findByCode("V"))!;
  const cadre = await s.store.cadres.create({
    userid: "sunli",
    name: "孙丽",
    roles: ["guarantor"],
    homeRegionId: village.id,
  });
  const people: number[] = [];
  for (const name of ["吴一", "吴二", "吴三"]) {
    const subject = await s.store.subjects.create({
      name,
      regionId: village.id,
      category: "mental_disorder",
      level: "risk3",
    });
    people.push(subject.id);
    await s.db.prisma.guarantee.create({
      data: { subjectId: subject.id, cadreId: cadre.id, startDate: new Date("2026-01-01") },
    });
  }
  // The push for a fixed working day (the card's date); clicks are recorded for today.
  const deps: JobDeps = {
    store: s.store,
    planner: createPlanner({ repos: s.store, tz: "Asia/Shanghai" }),
    templates: loadTemplates(),
    tz: "Asia/Shanghai",
    logger: pino({ level: "silent" }),
    instance: "test",
    clock: () => new Date(),
  };
  const pushed = await runDailyPush(deps, new Date(), { date: "2026-11-24" });
  expect(pushed.status).toBe("done");
  const taskId = `daily-2026-11-24-${cadre.id}`;
  const emulator = s.emulator!;
  for (let i = 0; i < 100 && !emulator.card(taskId); i++) await new Promise((r) => setTimeout(r, 50));
  const delivered = emulator.inbox("sunli").find((d) => d.msgtype === "template_card");
  expect(delivered).toBeDefined();
  const tc = (
    delivered!.body as {
      template_card: { task_id: string; button_selection: { option_list: { id: string; text: string }[] } };
    }
  ).template_card;
  expect(tc.task_id).toBe(taskId);
  const options = tc.button_selection.option_list;
  const list = await s.store.cadreLists.latest(cadre.id);
  expect(options).toEqual(list!.items.map((i) => ({ id: `s${i.subjectId}`, text: `${i.n}. ${i.name}` })));
  expect([...list!.items.map((i) => i.subjectId)].sort((a, b) => a - b)).toEqual(people);

  // Through the sandbox API: choose number 2, tap 正常.
  const click = await postJson(`${s.url}/sandbox/api/cards/click`, {
    from: "sunli",
    taskId,
    key: "normal",
    selectedId: options[1]!.id,
  });
  expect(click.status).toBe(200);
  const texts = click.json.replies.map(
    (d: { body: { text?: { content: string } } }) => d.body.text?.content ?? "",
  );
  expect(texts.join("\n")).toContain(`已登记：${options[1]!.text.slice(3)} 上门走访 正常`);
  const update = click.json.replies.find((d: { msgtype: string }) => d.msgtype === "update_template_card");
  expect(update!.body.template_card.button_selection.option_list.map((o: { id: string }) => o.id)).toEqual([
    options[0]!.id,
    options[2]!.id,
  ]);

  // As WeCom would: an encrypted template_card_event (delivered twice) for number 3, 未见到.
  const since = new Date();
  const clicked = emulator.clickCard("sunli", taskId)!;
  const request = emulator.callbacks.templateCardEvent({
    fromUserId: "sunli",
    taskId,
    eventKey: "not_met",
    cardType: clicked.cardType,
    responseCode: clicked.responseCode,
    selectedItems: [{ questionKey: "person", optionIds: [options[2]!.id] }],
  });
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${s.url}/wecom/callback?${request.queryString}`, {
      method: "POST",
      body: request.body,
    });
    expect(res.status).toBe(200);
  }
  const asked = () =>
    emulator
      .inbox("sunli", since)
      .some((d) => JSON.stringify(d.body).includes(`${options[2]!.text.slice(3)}`));
  for (let i = 0; i < 100 && !asked(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(asked()).toBe(true);
  const visits = await s.db.prisma.visit.findMany({ where: { cadreId: cadre.id, status: "active" } });
  expect(visits.map((v) => [v.subjectId, v.outcome]).sort()).toEqual(
    [
      [Number(options[1]!.id.slice(1)), "normal"],
      [Number(options[2]!.id.slice(1)), "not_met"],
    ].sort(),
  );
  // Re-running the push sends no second card.
  await s.db.prisma.jobRun.deleteMany({ where: { job: "daily-push" } });
  expect(await runDailyPush(deps, new Date(), { date: "2026-11-24" })).toMatchObject({ enqueued: 0 });
  expect(emulator.violations()).toEqual([]);
});
