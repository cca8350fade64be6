import { runDailyPush } from "../../src/jobs/daily-push";
import { createTownship, sh, type Township } from "../planning/township-fixture";

let t: Township;
let zhangsan: number;
let wang: number;
let li: number;
beforeAll(async () => {
  t = await createTownship();
  const { wangli, lisi } = t.cadres;
  // 张三: weekly, nothing last week → overdue by 2 working days on Tuesday 24 November.
  zhangsan = await t.subject({
    name: "张三",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [wangli],
  });
  // 王秀英: weekly, visited last week → due this week.
  wang = await t.subject({ name: "王秀英", category: "elderly_alone", level: "high", guarantors: [wangli] });
  await t.visit(wang, wangli, "2026-11-18 10:00");
  // 李秀兰: monthly, visited in October → due this month.
  li = await t.subject({
    name: "李秀兰",
    category: "drug_rehab",
    level: "medium",
    guarantors: [wangli, lisi],
  });
  await t.visit(li, lisi, "2026-10-20 10:00", { method: "phone" });
  // 李四's only person is done for the month: he gets no card.
  const done = await t.subject({ name: "周六", category: "idle_youth", level: "key", guarantors: [lisi] });
  await t.visit(done, lisi, "2026-10-30 10:00");
  await t.visit(done, lisi, "2026-11-20 10:00");
});
afterAll(() => t.close());

interface CardBody {
  msgtype: "template_card";
  template_card: {
    card_type: string;
    task_id: string;
    main_title: { title: string; desc: string };
    sub_title_text: string;
    button_selection: {
      question_key: string;
      option_list: { id: string; text: string }[];
      selected_id: string;
    };
    button_list: { text: string; key: string }[];
  };
}

const outbox = () =>
  t.db.sql<{
    recipient: string;
    idempotencyKey: string;
    body: { msgtype: string; text: { content: string } } & Partial<CardBody>;
    nextAttemptAt: Date;
  }>(`SELECT "recipient", "idempotencyKey", "body", "nextAttemptAt" FROM "OutboundMessage" ORDER BY "id"`);

describe("the morning card", () => {
  it("dry-run shows the card and stores nothing", async () => {
    const outcome = await runDailyPush(t.deps(), sh("2026-11-24 08:30"), { dryRun: true });
    expect(outcome).toMatchObject({ status: "dry_run", date: "2026-11-24", workday: true, enqueued: 0 });
    // Only 王丽 has someone due (李秀兰 is due for 李四 too).
    expect(outcome.messages.map((m) => m.to).sort()).toEqual(["lisi", "wangli"]);
    expect(outcome.messages.find((m) => m.to === "wangli")?.body).toBe(
      [
        "【今日走访】11月24日（周二）",
        "1. 张三  精神障碍·风险3级  本周应访，已逾期4天",
        "2. 王秀英  独居老人·高风险  本周应访",
        "3. 李秀兰  社区戒毒·中风险  本月应访",
        "回复「1 正常」即可登记；有异常请写明，如「2 异常 情绪激动」",
      ].join("\n"),
    );
    expect(await outbox()).toHaveLength(0);
    expect(await t.db.sql(`SELECT 1 FROM "CadreList"`)).toHaveLength(0);
    expect(await t.db.sql(`SELECT 1 FROM "JobRun"`)).toHaveLength(0);
  });

  it("enqueues one card per cadre with its numbered list, once per day", async () => {
    const first = await runDailyPush(t.deps(), sh("2026-11-24 08:30"));
    expect(first).toMatchObject({ status: "done", enqueued: 2 });
    const rows = await outbox();
    expect(rows.map((r) => [r.recipient, r.idempotencyKey])).toEqual(
      expect.arrayContaining([
        ["wangli", `daily:2026-11-24:${t.cadres.wangli.id}#1`],
        ["lisi", `daily:2026-11-24:${t.cadres.lisi.id}#1`],
      ]),
    );
    // Three people: the one-tap card, numbered exactly as the stored list.
    const card = rows.find((r) => r.recipient === "wangli")!.body as CardBody;
    expect(card.msgtype).toBe("template_card");
    expect(card.template_card).toMatchObject({
      card_type: "button_interaction",
      task_id: `daily-2026-11-24-${t.cadres.wangli.id}`,
      main_title: { title: "今日走访 11月24日（周二）", desc: "共3人，选择人员后点按钮即可登记" },
      sub_title_text: [
        "1. 张三  精神障碍·风险3级  本周应访，已逾期4天",
        "2. 王秀英  独居老人·高风险  本周应访",
        "3. 李秀兰  社区戒毒·中风险  本月应访",
      ].join("\n"),
      button_selection: {
        question_key: "person",
        option_list: [
          { id: `s${zhangsan}`, text: "1. 张三" },
          { id: `s${wang}`, text: "2. 王秀英" },
          { id: `s${li}`, text: "3. 李秀兰" },
        ],
        selected_id: `s${zhangsan}`,
      },
    });
    expect(card.template_card.button_list.map((b) => [b.key, b.text])).toEqual([
      ["normal", "正常"],
      ["abnormal", "异常"],
      ["not_met", "未见到"],
    ]);
    expect((rows.find((r) => r.recipient === "lisi")!.body as CardBody).template_card.task_id).toBe(
      `daily-2026-11-24-${t.cadres.lisi.id}`,
    );
    const lists = await t.db.sql<{ cadreId: number; kind: string; date: string; items: unknown }>(
      `SELECT "cadreId", "kind", "date", "items" FROM "CadreList" ORDER BY "cadreId"`,
    );
    expect(lists.find((l) => l.cadreId === t.cadres.wangli.id)).toEqual({
      cadreId: t.cadres.wangli.id,
      kind: "daily",
      date: "2026-11-24",
      items: [
        { n: 1, subjectId: zhangsan, name: "张三" },
        { n: 2, subjectId: wang, name: "王秀英" },
        { n: 3, subjectId: li, name: "李秀兰" },
      ],
    });
    expect(await t.store.cadreLists.latest(t.cadres.lisi.id)).toMatchObject({
      items: [{ n: 1, subjectId: li, name: "李秀兰" }],
    });

    // A restart, a second instance or a manual run: claimed already, nothing more.
    const again = await runDailyPush(t.deps({ instance: "test-b" }), sh("2026-11-24 09:10"));
    expect(again).toMatchObject({ status: "already_done", enqueued: 0 });
    expect(await outbox()).toHaveLength(2);
    expect(await t.db.sql(`SELECT 1 FROM "CadreList"`)).toHaveLength(2);
    expect(await t.db.sql(`SELECT "status" FROM "JobRun" WHERE "job" = 'daily-push'`)).toEqual([
      { status: "done" },
    ]);
  });

  it("takes over a failed run without sending anyone a second card", async () => {
    await t.db.sql(`UPDATE "JobRun" SET "status" = 'failed' WHERE "job" = 'daily-push'`);
    const retry = await runDailyPush(t.deps(), sh("2026-11-24 09:20"));
    expect(retry).toMatchObject({ status: "done", enqueued: 0 });
    expect(await outbox()).toHaveLength(2);
    expect(await t.db.sql(`SELECT 1 FROM "CadreList"`)).toHaveLength(2);
  });

  it("re-runs from scratch without a second card: same keys, same task ids", async () => {
    const before = await outbox();
    // Even with the run record gone (an operator clearing it), the outbox keys hold.
    await t.db.sql(`DELETE FROM "JobRun" WHERE "job" = 'daily-push'`);
    const rerun = await runDailyPush(t.deps(), sh("2026-11-24 11:00"));
    expect(rerun).toMatchObject({ status: "done", enqueued: 0 });
    const after = await outbox();
    expect(after.map((r) => [r.idempotencyKey, r.body.template_card?.task_id])).toEqual(
      before.map((r) => [r.idempotencyKey, r.body.template_card?.task_id]),
    );
    expect(await t.db.sql(`SELECT 1 FROM "CadreList"`)).toHaveLength(2);
  });

  it("sends nothing on the National Day holiday and cards on the Saturday make-up day", async () => {
    const holiday = await runDailyPush(t.deps(), sh("2026-10-01 08:30"));
    expect(holiday).toMatchObject({ status: "not_workday", workday: false, enqueued: 0, messages: [] });
    const sunday = await runDailyPush(t.deps(), sh("2026-11-29 08:30"), { dryRun: true });
    expect(sunday).toMatchObject({ status: "not_workday", workday: false, messages: [] });
    const makeUp = await runDailyPush(t.deps(), sh("2026-10-10 08:30"), { dryRun: true });
    expect(makeUp).toMatchObject({ status: "dry_run", workday: true });
    expect(makeUp.messages.length).toBeGreaterThan(0);
    expect(makeUp.messages[0]?.body).toMatch(/^【今日走访】10月10日（周六）/);
  });

  it("splits a long card on line breaks under idempotency keys #1, #2, …", async () => {
    const { zhaomin } = t.cadres;
    for (let i = 1; i <= 90; i++) {
      await t.subject({
        name: `测试人员${String(i).padStart(2, "0")}`,
        category: "petitioner",
        level: "ordinary",
        village: "v2",
        guarantors: [zhaomin],
      });
    }
    const outcome = await runDailyPush(t.deps(), sh("2026-11-25 08:30"));
    const mine = (await outbox()).filter((r) => r.recipient === "zhaomin");
    expect(outcome.detail.outboxRows as number).toBeGreaterThan(outcome.enqueued);
    expect(mine.length).toBeGreaterThan(1);
    expect(mine.map((r) => r.idempotencyKey)).toEqual(
      mine.map((_, i) => `daily:2026-11-25:${zhaomin.id}#${i + 1}`),
    );
    for (const row of mine) {
      expect(Buffer.byteLength(row.body.text.content)).toBeLessThanOrEqual(2048);
      // Every piece is whole lines.
      expect(row.body.text.content.split("\n").every((line) => /^(【|\d+\. |回复)/.test(line))).toBe(true);
    }
    expect(mine.map((r) => r.body.text.content).join("\n")).toContain("90. 测试人员");
  });
});

describe("card or text by list length", () => {
  it("sends ten people as the one-tap card and eleven as text, numbered like the stored list", async () => {
    const { secretary1 } = t.cadres;
    const ids: number[] = [];
    for (let i = 1; i <= 10; i++) {
      ids.push(
        await t.subject({
          name: `十人${String(i).padStart(2, "0")}`,
          category: "petitioner",
          level: "ordinary",
          guarantors: [secretary1],
        }),
      );
    }
    const mine = async (date: string) =>
      (await outbox()).filter(
        (r) => r.recipient === "wangdefu" && r.idempotencyKey.startsWith(`daily:${date}:`),
      );

    await runDailyPush(t.deps(), sh("2026-11-26 08:30"));
    const [row, ...rest] = await mine("2026-11-26");
    expect(rest).toHaveLength(0);
    expect(row?.idempotencyKey).toBe(`daily:2026-11-26:${secretary1.id}#1`);
    const card = (row!.body as CardBody).template_card;
    expect(card.task_id).toBe(`daily-2026-11-26-${secretary1.id}`);
    const stored = await t.store.cadreLists.latest(secretary1.id, { date: "2026-11-26" });
    expect(stored?.items).toHaveLength(10);
    expect([...stored!.items.map((i) => i.subjectId)].sort((a, b) => a - b)).toEqual(ids);
    // Option k is the person stored as number k, and the card's lines carry the same numbers.
    expect(card.button_selection.option_list).toEqual(
      stored!.items.map((i) => ({ id: `s${i.subjectId}`, text: `${i.n}. ${i.name}` })),
    );
    expect(card.sub_title_text.split("\n").map((line) => line.split("  ")[0])).toEqual(
      stored!.items.map((i) => `${i.n}. ${i.name}`),
    );

    await t.subject({ name: "十一人", category: "petitioner", level: "ordinary", guarantors: [secretary1] });
    await runDailyPush(t.deps(), sh("2026-11-27 08:30"));
    const texts = await mine("2026-11-27");
    expect(texts).toHaveLength(1);
    expect(texts[0]?.body.msgtype).toBe("text");
    const lines = texts[0]!.body.text.content.split("\n");
    const latest = await t.store.cadreLists.latest(secretary1.id, { date: "2026-11-27" });
    expect(latest?.items).toHaveLength(11);
    expect(lines.slice(1, -1).map((line) => line.split("  ")[0])).toEqual(
      latest!.items.map((i) => `${i.n}. ${i.name}`),
    );
  });
});
