/**
 * The register's management commands through the CLI (issue 12 item 4): `cadre`, `subject
 * show|add|set|transfer|close`, `guarantee add|remove|handover`, their refusals, their audit
 * entries, and people without an active guarantor in `plan` and `db status`.
 */
import { withCheckDigit } from "../../src/store/id-cipher";
import { listMigrations } from "../../src/store/migrate";
import { makeTempDir } from "../helpers/temp-dir";
import { cliRunner } from "../helpers/run-cli";
import { createTownship, SECRET_KEY_HEX, sh, type Township } from "../planning/township-fixture";

let t: Township;
let tmp: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliRunner>;
let zhangsan: number;
let wangxiu: number;
const NOW = sh("2026-11-24 09:00");
// 11010519491231002X is the GB 11643 example (a woman born 1949-12-31).
const ID = "11010519491231002X";
// A man born 1990-03-07 (checksum computed for this test).
const ID2 = withCheckDigit("42060219900307123");

beforeAll(async () => {
  t = await createTownship();
  tmp = makeTempDir();
  cli = cliRunner({ DATABASE_URL: t.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX });
  zhangsan = await t.subject({
    name: "张三",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [t.cadres.wangli],
    idNumber: ID,
  });
  wangxiu = await t.subject({
    name: "王秀英",
    category: "elderly_alone",
    level: "high",
    guarantors: [t.cadres.wangli, t.cadres.lisi],
  });
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

const run = (...args: string[]) => cli(args, { now: NOW });
const json = async (...args: string[]) => {
  const res = await run(...args);
  expect(res).toMatchObject({ code: 0, err: "" });
  return JSON.parse(res.out);
};
const audits = async (action: string) =>
  t.db.sql<{ actor: string; entityId: string; detail: unknown }>(
    `SELECT "actor", "entityId", "detail" FROM "AuditLog" WHERE "action" = $1 ORDER BY "id"`,
    [action],
  );
const count = async (sql: string) => Number((await t.db.sql<{ n: string }>(sql))[0]?.n);

describe("help", () => {
  it.each([["cadre"], ["subject"], ["guarantee"]])("%s --help is in Chinese and exits 0", async (name) => {
    const res = await run(name, "--help");
    expect(res.code).toBe(0);
    expect(res.out).toContain("用法：");
  });
});

describe("cadre", () => {
  it("adds a cadre with roles as positions and the home village by name, audited", async () => {
    const doc = await json(
      "cadre",
      "add",
      "陈红",
      "--userid",
      "chenhong",
      "--roles",
      "网格员、社区民警",
      "--home",
      "青山村",
      "--mobile",
      "138 0000 1111",
      "--json",
    );
    expect(doc.created).toEqual({
      userid: "chenhong",
      name: "陈红",
      mobile: "13800001111",
      roles: ["guarantor", "police"],
      home: { code: "429901100201", name: "青山村" },
      scope: { code: "429901100201", name: "青山村" },
      active: true,
    });
    expect(await audits("cadre.create")).toEqual([
      expect.objectContaining({
        actor: expect.stringMatching(/^cli/),
        detail: expect.objectContaining({ userid: "chenhong" }),
      }),
    ]);
  });

  it("refuses an unknown role, a taken userid, a bad mobile and an ambiguous region name, adding nothing", async () => {
    const before = await count(`SELECT count(*) AS n FROM "Cadre"`);
    const role = await run(
      "cadre",
      "add",
      "钱一",
      "--userid",
      "qianyi",
      "--roles",
      "队长",
      "--home",
      "青山村",
    );
    expect(role.code).toBe(1);
    expect(role.err).toContain("无法识别的角色：队长");
    expect(role.err).toContain("网格员");
    const taken = await run(
      "cadre",
      "add",
      "钱一",
      "--userid",
      "wangli",
      "--roles",
      "网格员",
      "--home",
      "青山村",
    );
    expect(taken).toMatchObject({ code: 1, err: "错误：企业微信账号 wangli 已属于干部 王丽。" });
    const mobile = await run(
      "cadre",
      "add",
      "钱一",
      "--userid",
      "qianyi",
      "--roles",
      "网格员",
      "--home",
      "青山村",
      "--mobile",
      "12345",
    );
    expect(mobile).toMatchObject({ code: 1, err: "错误：手机号应为11位数字：12345" });
    const other = await t.store.regions.create({
      code: "429901101",
      name: "东镇",
      level: "township",
      parentId: t.regions.county,
    });
    await t.store.regions.create({
      code: "429901101201",
      name: "青山村",
      level: "village",
      parentId: other.id,
    });
    const ambiguous = await run(
      "cadre",
      "add",
      "钱一",
      "--userid",
      "qianyi",
      "--roles",
      "网格员",
      "--home",
      "青山村",
    );
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toContain(
      "地区名称「青山村」不唯一：青山村（429901100201）、青山村（429901101201）",
    );
    expect(await count(`SELECT count(*) AS n FROM "Cadre"`)).toBe(before);
  });

  it("lists by region and role, and sets fields with an audit entry of what changed", async () => {
    const all = await json("cadre", "list", "--region", "429901100201", "--json");
    expect(all.cadres.map((c: { userid: string }) => c.userid)).toEqual([
      "wangli",
      "lisi",
      "wangdefu",
      "chenhong",
    ]);
    const police = await json("cadre", "list", "--role", "社区民警", "--json");
    expect(police.cadres.map((c: { userid: string }) => c.userid)).toEqual(["chenhong"]);
    const text = await run("cadre", "list", "--role", "village_leader");
    expect(text.out).toBe(
      [
        "王德富（wangdefu）村（社区）负责人、包保干部 · 青山村",
        "李春生（lichunsheng）村（社区）负责人 · 河口村",
        "共 2 名干部。",
      ].join("\n"),
    );

    const set = await run("cadre", "set", "chenhong", "--roles", "精防医生", "--scope", "示范镇");
    expect(set).toMatchObject({
      code: 0,
      out: "已修改角色、管辖范围：陈红（chenhong）精防医生 · 青山村，管辖 示范镇 · 13800001111",
    });
    const [entry] = await audits("cadre.update");
    expect(entry?.detail).toEqual({
      roles: { from: ["guarantor", "police"], to: ["doctor"] },
      scopeRegionId: { from: t.regions.v1, to: t.regions.township },
    });
    expect((await run("cadre", "set", "chenhong")).code).toBe(1);
  });
});

describe("subject", () => {
  it("adds a person: checksum checked, birth date and gender from the ID, words for category and level", async () => {
    const bad = await run(
      "subject",
      "add",
      "刘五",
      "--id-number",
      "110105194912310021",
      "--category",
      "社区矫正对象",
      "--level",
      "严管",
      "--village",
      "河口村",
      "--guarantor",
      "zhaomin",
    );
    expect(bad).toMatchObject({ code: 1, err: "错误：身份证号校验位不正确，请核对：110105194912310021" });
    const conflict = await run(
      "subject",
      "add",
      "刘五",
      "--id-number",
      ID2,
      "--gender",
      "女",
      "--category",
      "社区矫正对象",
      "--level",
      "严管",
      "--village",
      "河口村",
    );
    expect(conflict).toMatchObject({ code: 1, err: "错误：性别「女」与身份证号（男）不一致。" });
    const level = await run(
      "subject",
      "add",
      "刘五",
      "--id-number",
      ID2,
      "--category",
      "社区矫正对象",
      "--level",
      "重点",
      "--village",
      "河口村",
    );
    expect(level.code).toBe(1);
    expect(level.err).toContain(
      "无法识别的社区矫正对象管理等级：重点。可填写：严管（strict）、普管（normal）、宽管（lenient）",
    );
    const dup = await run(
      "subject",
      "add",
      "张三二",
      "--id-number",
      ID,
      "--category",
      "精神病人",
      "--level",
      "3级",
      "--village",
      "河口村",
    );
    expect(dup).toMatchObject({ code: 1, err: `错误：该身份证号已在台账中：张三（#${zhangsan}）。` });
    expect(await count(`SELECT count(*) AS n FROM "Subject"`)).toBe(2);

    const added = await run(
      "subject",
      "add",
      "刘五",
      "--id-number",
      ID2,
      "--category",
      "社区服刑人员",
      "--level",
      "严管",
      "--village",
      "429901100202",
      "--guarantor",
      "zhaomin",
      "--phone",
      "13912345678",
    );
    expect(added.code).toBe(0);
    const id = Number(/#(\d+)/.exec(added.out)?.[1]);
    expect(added.out).toBe(
      `已新增管控对象：刘五（#${id}）社区矫正·严管，河口村，包保人 赵敏（自 2026-11-24 起）。`,
    );
    const shown = await json("subject", "show", String(id), "--json");
    expect(shown).toMatchObject({
      name: "刘五",
      idNumber: `4206**********${ID2.slice(-4)}`,
      gender: "male",
      birthDate: "1990-03-07",
      phone: "139****5678",
      region: { code: "429901100202", name: "河口村", path: ["示范县", "示范镇", "河口村"] },
      category: "community_correction",
      level: "strict",
      status: "active",
      guarantors: [{ userid: "zhaomin", name: "赵敏", active: true, from: "2026-11-24", until: null }],
    });
    // The new person is on 赵敏's card the same day.
    const plan = await json("plan", "--json");
    const zhao = plan.cadres.find((c: { userid: string }) => c.userid === "zhaomin");
    expect(zhao.items.map((i: { name: string }) => i.name)).toContain("刘五");
  });

  it("shows the full ID only with --full-id, and audits that read", async () => {
    const masked = await run("subject", "show", String(zhangsan));
    expect(masked.out).toContain("身份证号：1101**********002X  性别：未知");
    expect(masked.out).toContain("包保人：王丽（wangli，2026-01-01 起）");
    expect(await audits("subject.reveal_id_number")).toEqual([]);
    const full = await json("subject", "show", ID, "--full-id", "--json");
    expect(full.idNumber).toBe(ID);
    expect(await audits("subject.reveal_id_number")).toEqual([
      expect.objectContaining({ entityId: String(zhangsan), actor: expect.stringMatching(/^cli/) }),
    ]);
  });

  it("sets fields (a category change needs a valid level) and audits before and after", async () => {
    const noLevel = await run("subject", "set", String(wangxiu), "--category", "社区矫正对象");
    expect(noLevel.code).toBe(1);
    expect(noLevel.err).toContain("请同时用 --level 填写管理等级");
    const set = await json(
      "subject",
      "set",
      String(wangxiu),
      "--level",
      "重点",
      "--address",
      "青山村3组",
      "--json",
    );
    expect(set).toEqual({ id: wangxiu, changed: ["level", "address"] });
    const [entry] = await audits("subject.update");
    expect(entry?.detail).toEqual({
      level: { from: "high", to: "key" },
      address: { from: null, to: "青山村3组" },
    });
  });
});

describe("guarantee and the people left without one", () => {
  it("remove refuses to leave a person with no active guarantor unless --force", async () => {
    const refused = await run("guarantee", "remove", String(zhangsan), "wangli");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("移除后 张三");
    expect(refused.err).toContain("将没有在岗包保人");
    expect(refused.err).toContain("--force");
    expect(await audits("guarantee.remove")).toEqual([]);
    // 王秀英 has two guarantors: removing one is fine.
    const ok = await json("guarantee", "remove", String(wangxiu), "lisi", "--json");
    expect(ok).toEqual({ subjectId: wangxiu, userid: "lisi", until: "2026-11-24", unassigned: false });
    const again = await run("guarantee", "remove", String(wangxiu), "lisi");
    expect(again).toMatchObject({ code: 1, err: `错误：李四（lisi）不是 王秀英（#${wangxiu}）的包保人。` });
    expect((await json("guarantee", "add", String(wangxiu), "lisi", "--json")).subjectId).toBe(wangxiu);
    expect((await run("guarantee", "add", String(wangxiu), "lisi")).code).toBe(1);
  });

  it("deactivate is refused while people depend on the cadre alone; handover moves them in one step", async () => {
    const refused = await run("cadre", "deactivate", "wangli");
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `错误：王丽（wangli）仍是 1 人唯一的在岗包保人：张三（#${zhangsan}）。停用后他们将无人走访。` +
        "请先移交：npx baobao guarantee handover --from wangli --to <接替人账号>",
    );
    expect(await count(`SELECT count(*) AS n FROM "Cadre" WHERE "userid" = 'wangli' AND "active"`)).toBe(1);

    const handover = await run("guarantee", "handover", "--from", "wangli", "--to", "lisi");
    expect(handover).toMatchObject({
      code: 0,
      out: [
        "已将 王丽（wangli）的 2 名管控对象移交给 李四（lisi）：原包保关系 2026-11-24 结束，新的自 2026-11-24 起。",
        "其中 1 人 李四 原本就是包保人。",
        "王丽 已没有在管对象，可执行 npx baobao cadre deactivate wangli 停用。",
      ].join("\n"),
    });
    expect(await audits("guarantee.handover")).toEqual([
      expect.objectContaining({
        detail: { from: "wangli", to: "lisi", on: "2026-11-24", subjectIds: [zhangsan, wangxiu] },
      }),
    ]);
    expect(await json("cadre", "deactivate", "wangli", "--json")).toEqual({
      userid: "wangli",
      active: false,
      endedGuarantees: 0,
    });
    // Tomorrow 张三 is on 李四's card, and nobody is unassigned.
    const plan = await cli(["plan", "--date", "2026-11-25", "--json"], { now: sh("2026-11-25 09:00") });
    const doc = JSON.parse(plan.out);
    expect(doc.cadres.map((c: { userid: string }) => c.userid)).not.toContain("wangli");
    expect(
      doc.cadres
        .find((c: { userid: string }) => c.userid === "lisi")
        .items.map((i: { name: string }) => i.name),
    ).toContain("张三");
    expect(doc.warnings).toEqual([]);
  });

  it("a person with no active guarantor is a warning in plan and db status", async () => {
    const forced = await json("guarantee", "remove", String(zhangsan), "lisi", "--force", "--json");
    expect(forced.unassigned).toBe(true);
    const later = sh("2026-11-25 09:00");
    const warning = "1名人员当前没有在岗包保人，应访任务无人接收，请尽快指定包保人。";
    const plan = await cli(["plan", "--json"], { now: later });
    expect(JSON.parse(plan.out).warnings).toEqual([warning]);
    const planText = await cli(["plan"], { now: later });
    expect(planText.err).toBe(`警告：${warning}`);
    // The test database ran the migrations' SQL itself; record them as `db migrate` would.
    await t.db.sql(
      `CREATE TABLE "_prisma_migrations" (migration_name text, finished_at timestamptz, rolled_back_at timestamptz)`,
    );
    for (const m of listMigrations()) {
      await t.db.sql(`INSERT INTO "_prisma_migrations" VALUES ($1, now(), NULL)`, [m]);
    }
    const status = await cli(["db", "status", "--json"], { now: later });
    expect(JSON.parse(status.out)).toMatchObject({
      unassigned: { count: 1, subjectIds: [zhangsan] },
      warnings: [warning],
    });
    const statusText = await cli(["db", "status"], { now: later });
    expect(statusText.out).toContain("数据量：地区 6，干部 7，管控对象 3");
    expect(statusText.err).toBe(`警告：${warning}`);
    const show = await cli(["subject", "show", String(zhangsan)], { now: later });
    expect(show.out).toContain("警告：没有在岗包保人，应访任务无人接收。");
  });

  it("transfer moves a person to another village with a new guarantor and ends the old guarantees", async () => {
    const refused = await run("subject", "transfer", String(wangxiu), "--to", "河口村", "--end-guarantees");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("迁移后 王秀英");
    const moved = await run(
      "subject",
      "transfer",
      String(wangxiu),
      "--to",
      "429901100202",
      "--guarantor",
      "zhaomin",
      "--end-guarantees",
    );
    expect(moved).toMatchObject({
      code: 0,
      out: [
        `已将 王秀英（#${wangxiu}）从 青山村 迁至 河口村。`,
        "原包保人 李四 的包保关系 2026-11-24 结束。",
        "新包保人：赵敏，自 2026-11-24 起。",
      ].join("\n"),
    });
    const shown = await json("subject", "show", String(wangxiu), "--json");
    expect(shown.region.code).toBe("429901100202");
    // 李四's guarantee ends today: from tomorrow only 赵敏 carries her.
    expect(
      shown.guarantors.map((g: { userid: string; until: string | null }) => [g.userid, g.until]),
    ).toEqual([["zhaomin", null]]);
    const guarantees = await t.db.sql<{ userid: string; endDate: Date | null }>(
      `SELECT c."userid", g."endDate" FROM "Guarantee" g JOIN "Cadre" c ON c."id" = g."cadreId"
       WHERE g."subjectId" = $1 AND c."userid" IN ('lisi', 'zhaomin') ORDER BY g."id"`,
      [wangxiu],
    );
    // 李四's first guarantee (removed earlier today) and the one added back after it.
    expect(guarantees.map((g) => [g.userid, g.endDate?.toISOString().slice(0, 10) ?? null])).toEqual([
      ["lisi", "2026-11-24"],
      ["lisi", "2026-11-24"],
      ["zhaomin", null],
    ]);
    expect(await audits("subject.transfer")).toHaveLength(1);
  });

  it("close takes a person off the register: no obligations, no warning, commands refuse it after", async () => {
    const closed = await json("subject", "close", String(zhangsan), "--reason", "死亡", "--json");
    expect(closed).toEqual({ subjectId: zhangsan, status: "closed", reason: "死亡" });
    const later = sh("2026-11-25 09:00");
    const plan = JSON.parse((await cli(["plan", "--json"], { now: later })).out);
    expect(plan.warnings).toEqual([]);
    expect(
      plan.cadres.flatMap((c: { items: { name: string }[] }) => c.items.map((i) => i.name)),
    ).not.toContain("张三");
    const status = JSON.parse((await cli(["db", "status", "--json"], { now: later })).out);
    expect(status.unassigned).toEqual({ count: 0, subjectIds: [] });
    const show = await json("subject", "show", String(zhangsan), "--json");
    expect(show).toMatchObject({ status: "closed", closeReason: "死亡" });
    expect(await run("subject", "close", String(zhangsan), "--reason", "死亡")).toMatchObject({
      code: 1,
      err: `错误：张三（#${zhangsan}）已销档。`,
    });
    expect(await audits("subject.close")).toHaveLength(1);
  });
});
