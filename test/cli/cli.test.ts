import { run } from "../../src/cli/main";
import { makeTempDir } from "../helpers/temp-dir";
import { createTownship, SECRET_KEY_HEX, type Township } from "../planning/township-fixture";

let t: Township;
let tmp: { dir: string; cleanup: () => void };
let zhangsan: number;
beforeAll(async () => {
  t = await createTownship();
  tmp = makeTempDir();
  zhangsan = await t.subject({
    name: "张三",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [t.cadres.wangli],
    idNumber: "11010519491231002X",
  });
  const wang = await t.subject({
    name: "王秀英",
    category: "elderly_alone",
    level: "high",
    guarantors: [t.cadres.wangli],
  });
  await t.visit(wang, t.cadres.wangli, "2026-11-18 10:00");
  await t.subject({
    name: "李秀兰",
    category: "drug_rehab",
    level: "medium",
    guarantors: [t.cadres.lisi],
    village: "v1",
  });
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

/** Runs `baobao …` against the test database; returns exit code and output. */
async function baobao(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    ["node", "baobao", ...args],
    { DATABASE_URL: t.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX, LOG_LEVEL: "silent" },
    { out: (s) => out.push(s), err: (s) => err.push(s) },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}
const json = async (...args: string[]) => {
  const res = await baobao(...args);
  expect(res).toMatchObject({ code: 0, err: "" });
  return JSON.parse(res.out);
};
const outboxCount = async () =>
  Number((await t.db.sql<{ n: string }>(`SELECT count(*) AS n FROM "OutboundMessage"`))[0]?.n);

describe("plan", () => {
  it("prints the documented JSON shape", async () => {
    const doc = await json("plan", "--date", "2026-11-24", "--json");
    expect(Object.keys(doc).sort()).toEqual(["cadres", "calendarWarnings", "date", "warnings", "workday"]);
    expect(doc).toMatchObject({ date: "2026-11-24", workday: true, warnings: [] });
    expect(doc.cadres).toEqual([
      {
        userid: "wangli",
        name: "王丽",
        items: [
          {
            n: 1,
            subjectId: zhangsan,
            name: "张三",
            category: "mental_disorder",
            level: "risk3",
            status: "overdue",
            overdueDays: 4,
          },
          {
            n: 2,
            subjectId: expect.any(Number),
            name: "王秀英",
            category: "elderly_alone",
            level: "high",
            status: "due",
            overdueDays: 0,
          },
        ],
      },
      {
        userid: "lisi",
        name: "李四",
        items: [expect.objectContaining({ n: 1, name: "李秀兰", status: "overdue" })],
      },
    ]);
  });

  it("prints the cards as text, one cadre with --cadre", async () => {
    const res = await baobao("plan", "--date", "2026-11-24", "--cadre", "wangli");
    expect(res.code).toBe(0);
    expect(res.out).toBe(
      [
        "11月24日（周二）走访计划：工作日",
        "王丽（wangli）2 人",
        "  1. 张三  精神障碍·风险3级  本周应访，已逾期4天",
        "  2. 王秀英  独居老人·高风险  本周应访",
        "共 1 名干部、2 项待访（其中逾期 1 项）。",
      ].join("\n"),
    );
  });

  it("warns on stderr when a year's holiday schedule is missing", async () => {
    const res = await baobao("plan", "--date", "2027-01-05");
    expect(res.code).toBe(0);
    expect(res.err).toContain("警告：2027年法定节假日和调休安排未收录");
    const doc = await baobao("plan", "--date", "2027-01-05", "--json");
    expect(JSON.parse(doc.out).warnings[0]).toContain("2027年法定节假日");
  });

  it("fails with a clear message on a bad date or an unknown cadre", async () => {
    expect(await baobao("plan", "--date", "2026-02-30")).toMatchObject({
      code: 1,
      out: "",
      err: "错误：日期应为 YYYY-MM-DD 格式的真实日期：2026-02-30",
    });
    expect(await baobao("plan", "--date", "2026-11-24", "--cadre", "nobody")).toMatchObject({
      code: 1,
      err: "错误：找不到在岗干部：nobody",
    });
  });
});

describe("push daily", () => {
  it("sends nothing on 1 October (holiday), dry-run or not", async () => {
    expect(await json("push", "daily", "--date", "2026-10-01", "--dry-run", "--json")).toEqual({
      date: "2026-10-01",
      workday: false,
      enqueued: 0,
      messages: [],
      status: "not_workday",
      calendarWarnings: [],
      warnings: [],
    });
    expect(await json("push", "daily", "--date", "2026-10-01", "--json")).toMatchObject({
      workday: false,
      enqueued: 0,
    });
    expect(await outboxCount()).toBe(0);
  });

  it("shows the cards of 10 October (make-up working day) in a dry run without storing them", async () => {
    const doc = await json("push", "daily", "--date", "2026-10-10", "--dry-run", "--json");
    expect(doc).toMatchObject({ date: "2026-10-10", workday: true, enqueued: 0, status: "dry_run" });
    expect(doc.messages.map((m: { to: string }) => m.to)).toEqual(["wangli", "lisi"]);
    // Week 40's quota was due on 30 September: 10 October is the tenth day since (1–8 October off).
    expect(doc.messages[0].body).toMatch(
      /^【今日走访】10月10日（周六）\n1\. 王秀英 {2}独居老人·高风险 {2}本周应访，已逾期10天\n2\. 张三 /,
    );
    expect(Object.keys(doc.messages[0]).sort()).toEqual(["body", "to"]);
    expect(await outboxCount()).toBe(0);
  });

  it("enqueues the cards once; a second real run enqueues 0", async () => {
    const first = await json("push", "daily", "--date", "2026-10-10", "--json");
    expect(first).toMatchObject({ workday: true, enqueued: 2, status: "done" });
    expect(await outboxCount()).toBe(2);
    const second = await json("push", "daily", "--date", "2026-10-10", "--json");
    expect(second).toMatchObject({ workday: true, enqueued: 0, status: "already_done" });
    expect(await outboxCount()).toBe(2);
    const text = await baobao("push", "daily", "--date", "2026-10-10");
    expect(text.out).toContain("10月10日（周六）早间走访卡片：该日已执行过");
  });

  it("refuses an unknown job", async () => {
    const res = await baobao("push", "yearly", "--date", "2026-10-10");
    expect(res.code).toBe(1);
    expect(res.err).toBe(
      "错误：未知任务：yearly（可选 daily、reminder、summary、close-out、missed、weekly、incident-idle）",
    );
  });
});

describe("policy", () => {
  it("lists the default table with sources", async () => {
    const doc = await json("policy", "list", "--json");
    expect(doc.policies).toHaveLength(18);
    expect(doc.policies[0]).toEqual(
      expect.objectContaining({ regionCode: "*", category: expect.any(String), source: expect.any(String) }),
    );
    const text = await baobao("policy", "list", "--category", "community_correction");
    expect(text.out).toContain("社区矫正对象 · 严管 · 全域：每周方式不限至少 1 次（任一包保人走访即可）");
    expect(text.out).toContain("依据：《社区矫正法》");
  });

  it("sets a village's own rule, validated, audited, and used by the plan", async () => {
    const res = await baobao(
      "policy",
      "set",
      "--region",
      "429901100201",
      "--category",
      "elderly_alone",
      "--level",
      "high",
      "--period",
      "days",
      "--interval",
      "3",
      "--method",
      "in_person",
      "--source",
      "青山村：高风险老人每3天上门",
    );
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(res.out).toBe(
      "已新增规则：独居空巢老人 · 高风险 · 区域 429901100201：每隔3天上门至少 1 次（任一包保人走访即可）",
    );
    const audit = await t.db.sql(`SELECT "action" FROM "AuditLog" WHERE "action" = 'policy.set'`);
    expect(audit).toHaveLength(1);
    const plan = await json("plan", "--date", "2026-11-24", "--json");
    const wang = plan.cadres[0].items.find((i: { name: string }) => i.name === "王秀英");
    // Last visit 18 November + 3 days → due by 21 November: overdue 3 days on the 24th.
    expect(wang).toMatchObject({ status: "overdue", overdueDays: 3 });
  });

  it("rejects invalid rules with Chinese messages", async () => {
    const badLevel = await baobao(
      "policy",
      "set",
      "--category",
      "elderly_alone",
      "--level",
      "risk3",
      "--period",
      "week",
      "--source",
      "x",
    );
    expect(badLevel.code).toBe(1);
    expect(badLevel.err).toContain("等级“risk3”不属于该类别");
    const noInterval = await baobao(
      "policy",
      "set",
      "--category",
      "idle_youth",
      "--period",
      "days",
      "--source",
      "x",
    );
    expect(noInterval.err).toContain("按天数周期必须填写正整数间隔天数");
    const noRegion = await baobao(
      "policy",
      "set",
      "--region",
      "999",
      "--category",
      "idle_youth",
      "--period",
      "week",
      "--source",
      "x",
    );
    expect(noRegion.err).toBe("错误：区域代码不存在：999");
    const unknown = await baobao(
      "policy",
      "set",
      "--category",
      "robots",
      "--period",
      "week",
      "--source",
      "x",
    );
    expect(unknown.code).toBe(1);
  });

  it("resets to the defaults only with --yes", async () => {
    expect((await baobao("policy", "reset")).err).toBe("错误：此操作会删除已设置的规则，请加 --yes 确认。");
    const doc = await json("policy", "reset", "--region", "429901100201", "--yes", "--json");
    expect(doc).toEqual({ deleted: 1, restored: 0 });
    expect(await json("policy", "reset", "--yes", "--json")).toEqual({ deleted: 18, restored: 18 });
  });
});

describe("subject pause and resume", () => {
  it("pauses by ID number with a reason and dates, resumes, and audits both", async () => {
    const paused = await baobao(
      "subject",
      "pause",
      "11010519491231002X",
      "--reason",
      "住院",
      "--from",
      "2026-11-23",
    );
    expect(paused).toMatchObject({
      code: 0,
      out: `已暂停管理：张三（#${zhangsan}），原因：住院，自 2026-11-23 起，至恢复为止。`,
    });
    let plan = await json("plan", "--date", "2026-11-24", "--json");
    expect(plan.cadres[0].items.some((i: { name: string }) => i.name === "张三")).toBe(false);

    expect(await json("subject", "resume", String(zhangsan), "--date", "2026-11-25", "--json")).toEqual({
      subjectId: zhangsan,
      status: "active",
      on: "2026-11-25",
    });
    // The pause touched W48, so 张三 owes nothing until W49.
    plan = await json("plan", "--date", "2026-11-26", "--json");
    expect(plan.cadres[0].items.some((i: { name: string }) => i.name === "张三")).toBe(false);
    plan = await json("plan", "--date", "2026-11-30", "--json");
    expect(plan.cadres[0].items.find((i: { name: string }) => i.name === "张三")).toMatchObject({
      status: "due",
    });

    const audit = await t.db.sql<{ action: string; entityId: string }>(
      `SELECT "action", "entityId" FROM "AuditLog" WHERE "action" LIKE 'subject.%' ORDER BY "id"`,
    );
    expect(audit).toEqual([
      { action: "subject.pause", entityId: String(zhangsan) },
      { action: "subject.resume", entityId: String(zhangsan) },
    ]);
  });

  it("explains mistakes", async () => {
    expect((await baobao("subject", "resume", String(zhangsan))).err).toBe(
      `错误：张三（#${zhangsan}）未处于暂停状态。`,
    );
    expect((await baobao("subject", "pause", "99999", "--reason", "x")).err).toBe(
      "错误：找不到管控对象：99999（请填写编号或身份证号）",
    );
    expect(
      (
        await baobao(
          "subject",
          "pause",
          String(zhangsan),
          "--reason",
          "x",
          "--from",
          "2026-11-20",
          "--until",
          "2026-11-10",
        )
      ).err,
    ).toBe("错误：结束日期不能早于开始日期。");
  });
});
