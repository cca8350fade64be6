/**
 * `任务`, `本周` and the morning card's buttons on the real planner, through bot.handle: `任务`
 * lists the cadre's own due people in the morning card's order and numbers (planForCadre), `本周`
 * this week's obligations and their state, and a tap on the morning card records the visit.
 */
import { createPlanTaskSource } from "../../src/bot/commands/plan-task-source";
import { loadTemplates } from "../../src/bot/templates";
import { runDailyPush } from "../../src/jobs/daily-push";
import type { JobDeps } from "../../src/jobs/job";
import { createPlanner } from "../../src/planning/planner";
import { jobDepsFor } from "../helpers/job-deps";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";

const TZ = "Asia/Shanghai";
const NOW = new Date("2026-11-24T02:00:00Z"); // Tuesday 10:00 in Shanghai
const templates = loadTemplates();
let h: BotHarness;

beforeAll(async () => {
  h = await createBotHarness({
    now: NOW,
    listTasks: createPlanTaskSource((repos) => createPlanner({ repos, tz: TZ }), templates),
  });
});
afterAll(() => h.close());

beforeEach(async () => {
  h.clock.now = NOW;
  await h.db.prisma.visit.deleteMany({ where: { correctsId: { not: null } } });
  await h.db.prisma.visit.deleteMany();
  await h.db.prisma.conversationState.deleteMany();
  await h.db.prisma.cadreList.deleteMany();
  // Each test may run the morning push for the same day afresh.
  await h.db.prisma.jobRun.deleteMany();
  await h.db.prisma.outboundMessage.deleteMany();
});

interface Card {
  task_id: string;
  sub_title_text: string;
  button_selection: { option_list: { id: string; text: string }[] };
}

const cardOf = (body: Record<string, unknown>) => body.template_card as Card;

const jobDeps = (): JobDeps => jobDepsFor(h.store, () => h.clock.now);

async function visit(subject: string, cadre: string, at: string) {
  await h.db.prisma.visit.create({
    data: {
      subjectId: h.ids[subject]!,
      cadreId: h.ids[cadre]!,
      occurredAt: new Date(at),
      method: "in_person",
      outcome: "normal",
      createdAt: new Date(at),
    },
  });
}

describe("任务", () => {
  it("lists exactly the cadre's own due people, as the plan numbers them", async () => {
    const plan = await createPlanner({ repos: h.store, tz: TZ }).planForDate({ now: NOW });
    const own = plan.lists.find((l) => l.cadre.id === h.ids.wangli)!.items;
    const r = await h.say("wangli", "任务");
    expect(r).toHaveLength(1);
    const card = cardOf(r[0]!.body);
    expect(card.button_selection.option_list).toEqual(
      own.map((item) => ({ id: `s${item.subjectId}`, text: `${item.number}. ${item.name}` })),
    );
    // Only 王丽's four people; 孙六 is 赵强's.
    expect(new Set(own.map((i) => i.subjectId))).toEqual(
      new Set(["张三@V1", "李四@V1", "王秀英@V1", "张三@V2"].map((k) => h.ids[k])),
    );
    expect(card.sub_title_text).toContain("4. 王秀英  独居老人·高风险  本周应访，已逾期4天");
    const list = await h.store.conversation.latestList(h.ids.wangli!);
    expect(list?.items).toEqual(own.map((i) => ({ n: i.number, subjectId: i.subjectId, name: i.name })));

    const other = await h.say("zhaoqiang", "任务");
    expect(cardOf(other[0]!.body).button_selection.option_list).toEqual([
      { id: `s${h.ids["孙六@V2"]}`, text: "1. 孙六" },
    ]);
  });

  it("drops a person once visited, and a guarantor with nothing due gets the empty reply", async () => {
    await h.say("zhaoqiang", "任务");
    expect((await h.say("zhaoqiang", "1 正常"))[0]?.text).toContain("已登记：孙六 上门走访 正常");
    const r = await h.say("zhaoqiang", "任务");
    expect(r.map((x) => x.text)).toEqual(["11月24日您没有需要走访的人。"]);
    // Someone guaranteeing nobody gets the same answer.
    expect((await h.say("wangdefu", "今天")).map((x) => x.text)).toEqual(["11月24日您没有需要走访的人。"]);
  });

  it("numbers people exactly as the morning card did", async () => {
    await runDailyPush(jobDeps(), new Date("2026-11-24T00:30:00Z"));
    const daily = (await h.store.conversation.latestList(h.ids.wangli!))!;
    expect(daily.kind).toBe("daily");
    await h.say("wangli", "任务");
    const tasks = (await h.store.conversation.latestList(h.ids.wangli!))!;
    expect(tasks.kind).toBe("tasks");
    expect(tasks.items).toEqual(daily.items);
  });
});

describe("the morning card's buttons", () => {
  it("record the visit like the 任务 card and update the card", async () => {
    await runDailyPush(jobDeps(), new Date("2026-11-24T00:30:00Z"));
    const row = await h.db.prisma.outboundMessage.findFirst({
      where: { recipient: "wangli", idempotencyKey: { startsWith: "daily:2026-11-24:" } },
    });
    const card = cardOf(row!.body as Record<string, unknown>);
    expect(card.task_id).toBe(`daily-2026-11-24-${h.ids.wangli}`);
    const third = card.button_selection.option_list[2]!;
    const replies = await h.send("wangli", {
      type: "template_card_event",
      eventKey: "normal",
      taskId: card.task_id,
      cardType: "button_interaction",
      responseCode: "RC-daily",
      selectedItems: [{ questionKey: "person", optionIds: [third.id] }],
    } as never);
    const name = third.text.replace(/^\d+\. /, "");
    expect(replies[0]?.text).toBe(
      `已登记：${name} 上门走访 正常（11月24日）。回复「撤销」可在30分钟内撤回。`,
    );
    const update = replies.find((r) => r.body.msgtype === "update_template_card");
    expect(update?.body.response_code).toBe("RC-daily");
    const updated = update!.body.template_card as Card;
    expect(updated.task_id).toBe(card.task_id);
    expect(updated.sub_title_text.split("\n")).toEqual(
      card.button_selection.option_list.map((o) => (o.id === third.id ? `${o.text}  正常` : o.text)),
    );
    const left = updated.button_selection.option_list;
    expect(left.map((o) => o.id)).toEqual(
      card.button_selection.option_list.filter((o) => o.id !== third.id).map((o) => o.id),
    );
    const visits = await h.db.prisma.visit.findMany({ where: { status: "active" } });
    expect(visits).toEqual([
      expect.objectContaining({
        subjectId: Number(third.id.slice(1)),
        cadreId: h.ids.wangli,
        outcome: "normal",
        method: "in_person",
      }),
    ]);
    // `2 正常` still means the card's number 2.
    const second = card.button_selection.option_list[1]!;
    expect((await h.say("wangli", "2 正常"))[0]?.text).toContain(
      `已登记：${second.text.replace(/^\d+\. /, "")} 上门走访 正常`,
    );
    // A second tap (another person, 异常) shows the earlier ones as recorded.
    const first = card.button_selection.option_list[0]!;
    const again = await h.send("wangli", {
      type: "template_card_event",
      eventKey: "abnormal",
      taskId: card.task_id,
      cardType: "button_interaction",
      responseCode: "RC-daily-2",
      selectedItems: [{ questionKey: "person", optionIds: [first.id] }],
    } as never);
    const lines = (again.find((r) => r.body.msgtype === "update_template_card")!.body.template_card as Card)
      .sub_title_text;
    expect(lines.split("\n")).toEqual(
      card.button_selection.option_list.map((o) =>
        o.id === first.id
          ? `${o.text}  异常`
          : o.id === second.id || o.id === third.id
            ? `${o.text}  已登记`
            : o.text,
      ),
    );
  });

  it("still record a tap for a person who is no longer on the current list", async () => {
    await h.setList("wangli", ["李四@V1"]);
    const replies = await h.send("wangli", {
      type: "template_card_event",
      eventKey: "not_met",
      taskId: "daily-2026-11-23-1",
      cardType: "button_interaction",
      responseCode: "RC-old",
      selectedItems: [{ questionKey: "person", optionIds: [`s${h.ids["王秀英@V1"]}`] }],
    } as never);
    expect(replies.map((r) => r.text)).toEqual([expect.stringContaining("王秀英")]);
    expect(replies.some((r) => r.body.msgtype === "update_template_card")).toBe(false);
    expect(
      await h.db.prisma.visit.count({ where: { subjectId: h.ids["王秀英@V1"], outcome: "not_met" } }),
    ).toBe(1);
    // Someone else's person is refused, without naming them.
    const refused = await h.send("wangli", {
      type: "template_card_event",
      eventKey: "normal",
      taskId: "daily-2026-11-23-1",
      cardType: "button_interaction",
      selectedItems: [{ questionKey: "person", optionIds: [`s${h.ids["孙六@V2"]}`] }],
    } as never);
    expect(refused.map((r) => r.text)).toEqual([
      "这张卡片上的人员已不在您的清单中，请回复「任务」查看最新清单。",
    ]);
    expect(await h.db.prisma.visit.count({ where: { subjectId: h.ids["孙六@V2"] } })).toBe(0);
  });
});

describe("本周", () => {
  it("shows who is still due this week, who falls due later, and what was recorded", async () => {
    // 李四 (monthly) was seen in October: due by 30 November, after this week.
    await visit("李四@V1", "wangli", "2026-10-20T02:00:00Z");
    // 王秀英 (weekly) seen on Monday; 张三@V2 (monthly) on Friday last week.
    await visit("王秀英@V1", "wangli", "2026-11-23T03:00:00Z");
    await visit("张三@V2", "wangli", "2026-11-20T03:00:00Z");
    const r = await h.say("wangli", "本周");
    expect(r.map((x) => x.text)).toEqual([
      [
        "【本周走访】11月23日至11月29日",
        "本周应访1人：",
        "张三  精神障碍·风险2级  7月15日前应访，已逾期132天",
        "另有1人本周之后到期（最早11月30日），回复「任务」可查看。",
        "本周已登记1次：",
        "王秀英  11月23日 上门走访 正常",
        "回复姓名即可登记，如「张三 正常」",
      ].join("\n"),
    ]);
    // A view, not a new list: numbers still mean the last card's.
    expect(await h.store.conversation.latestList(h.ids.wangli!)).toBeNull();
  });

  it("counts a late entry for last week under last week, not this one", async () => {
    await h.say("wangli", "任务");
    const list = (await h.store.conversation.latestList(h.ids.wangli!))!;
    const li = list.items.find((i) => i.subjectId === h.ids["李四@V1"])!;
    expect((await h.say("wangli", `11月20日 ${li.n} 正常`))[0]?.text).toContain("（11月20日）");
    expect((await h.say("wangli", "王秀英 电话 异常 情绪激动"))[0]?.text).toContain("已登记：王秀英");
    const text = (await h.say("wangli", "本周"))[0]!.text;
    expect(text).toContain("本周已登记1次：\n王秀英  11月24日 电话联系 异常（情绪激动）");
    expect(text).not.toContain("李四");
  });

  it("says when nothing is left this week, and when there is nothing at all", async () => {
    await h.say("zhaoqiang", "孙六 正常");
    expect((await h.say("zhaoqiang", "本周")).map((x) => x.text)).toEqual([
      [
        "【本周走访】11月23日至11月29日",
        "本周没有待走访的人。",
        "本周已登记1次：",
        "孙六  11月24日 上门走访 正常",
      ].join("\n"),
    ]);
    expect((await h.say("wangdefu", "本周")).map((x) => x.text)).toEqual([
      "11月23日至11月29日您没有需要走访的人。",
    ]);
  });
});
