/**
 * `roster template` and `roster import` through the CLI, on a township of the cadence fixture
 * (示范镇: 青山村, 河口村; cadres 王丽 wangli, 李四 lisi, 赵敏 zhaomin …) and a messy township
 * workbook built here: a merged title row, header variants, categories and levels in words,
 * guarantors by name (one of them ambiguous), a numeric ID cell and a bad checksum.
 */
import fs from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { withCheckDigit } from "../../src/store/id-cipher";
import { cliRunner } from "../helpers/run-cli";
import { makeTempDir } from "../helpers/temp-dir";
import { createTownship, SECRET_KEY_HEX, sh, type Township } from "../planning/township-fixture";

const NOW = sh("2026-12-04 10:00");

let t: Township;
let tmp: { dir: string; cleanup: () => void };
let baobao: ReturnType<typeof cliRunner>;
beforeAll(async () => {
  t = await createTownship();
  tmp = makeTempDir();
  baobao = cliRunner({ DATABASE_URL: t.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX });
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

const cli = (...args: string[]) => baobao(args, { now: NOW });
const file = (name: string) => path.join(tmp.dir, name);

const ID = {
  zhangsan: withCheckDigit("42060219850312001"), // male (odd 17th digit)
  limei: withCheckDigit("42060219470605002"), // female
  wangwu: withCheckDigit("42060219900101003"),
  zhaoliu: withCheckDigit("42060219920202004"),
  sunqi: withCheckDigit("42060219880808007"),
  zhouba: withCheckDigit("42060219950505009"),
};
/** The same ID with a wrong check digit. */
const badChecksum = (id: string) => id.slice(0, 17) + (id[17] === "1" ? "2" : "1");

type Cell = string | number | Date | null;
const PEOPLE_HEADER = [
  "序号",
  "姓名",
  "身份证号码",
  "性别",
  "出生年月",
  "手机号",
  "家庭住址",
  "乡镇",
  "村",
  "人员类型",
  "管控级别",
  "包保人",
  "身份证复印件",
  "状态",
];

function peopleRows(fixed: boolean): Cell[][] {
  return [
    [
      1,
      "张三",
      ID.zhangsan,
      "男",
      new Date(Date.UTC(1985, 2, 12)),
      "13900000001",
      "青山村3组",
      "示范镇",
      "青山村",
      "精神病人",
      "危险性评估3级",
      "李四、刘建军",
      "有",
      "在管",
    ],
    [
      2,
      "李梅",
      ID.limei,
      null,
      "1947年6月5日",
      13900000002,
      null,
      "示范镇",
      "河口村",
      "空巢老人",
      "重点",
      "陈刚",
      null,
      null,
    ],
    [
      3,
      "王五",
      fixed ? ID.wangwu : Number(ID.wangwu),
      null,
      null,
      null,
      null,
      "示范镇",
      "青山村",
      "社区矫正对象",
      "严管",
      "李四",
      null,
      null,
    ],
    [
      4,
      "赵六",
      fixed ? ID.zhaoliu : badChecksum(ID.zhaoliu),
      "女",
      null,
      null,
      null,
      "示范镇",
      "河口村",
      "刑释解教人员",
      "一般",
      "赵敏",
      null,
      null,
    ],
    [
      5,
      "孙七",
      ID.sunqi,
      null,
      "1988/8/8",
      null,
      null,
      "示范镇",
      "青山村",
      "社区服刑人员",
      "普管",
      fixed ? "wangli" : "王丽",
      null,
      null,
    ],
    [
      6,
      "周八",
      ID.zhouba,
      null,
      "1995.5.5",
      null,
      null,
      "示范镇",
      "河口村",
      "吸毒人员",
      "高风险",
      "赵敏 13800000013",
      null,
      "在管",
    ],
  ];
}

/** The township's workbook: a cadre sheet and a people sheet, each under a merged title row. */
async function townshipWorkbook(name: string, fixed: boolean): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const cadres = wb.addWorksheet("包保干部");
  cadres.addRow(["示范镇包保干部名单"]);
  cadres.mergeCells("A1:F1");
  cadres.addRow(["序号", "姓名", "帐号", "手机号码", "职务", "所属村（社区）"]);
  cadres.addRow([1, "王丽", "wangli2", "13800000011", "网格员", "河口村"]);
  cadres.addRow([2, "陈刚", null, "13800000012", "村支书、网格员", "河口村"]);
  cadres.addRow([3, "刘建军", "liujj", "13800000013", "社区民警", "示范镇"]);
  const people = wb.addWorksheet("特殊人群");
  people.addRow(["示范镇特殊人群台账（2026年12月）"]);
  people.mergeCells("A1:N1");
  people.addRow(PEOPLE_HEADER);
  for (const row of peopleRows(fixed)) people.addRow(row);
  people.getColumn(5).numFmt = "yyyy-mm-dd";
  await wb.xlsx.writeFile(file(name));
  return file(name);
}

const counts = async () => {
  const [row] = await t.db.sql<{ s: number; c: number; g: number }>(
    `SELECT (SELECT COUNT(*)::int FROM "Subject") AS s, (SELECT COUNT(*)::int FROM "Cadre") AS c, (SELECT COUNT(*)::int FROM "Guarantee") AS g`,
  );
  if (!row) throw new Error("no counts");
  return row;
};
const importAudits = () =>
  t.db.sql<{ detail: { file: string; sha256: string } }>(
    `SELECT "detail" FROM "AuditLog" WHERE "action" = 'roster.import' ORDER BY "id"`,
  );

const MESSY_ERRORS = [
  { sheet: "特殊人群", row: 5, column: "身份证号码", code: "id_number_numeric" },
  { sheet: "特殊人群", row: 6, column: "身份证号码", code: "id_number_checksum" },
  { sheet: "特殊人群", row: 7, column: "包保人", code: "cadre_ambiguous" },
];

describe("roster template", () => {
  it("writes the three sheets with their canonical headers, an example row each, and 说明", async () => {
    const out = file("模板.xlsx");
    const res = await cli("roster", "template", "--out", out);
    expect(res.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(["地区", "干部", "管控对象", "说明"]);
    expect((wb.getWorksheet("管控对象")?.getRow(1).values as string[] | undefined)?.slice(1, 4)).toEqual([
      "编号",
      "姓名",
      "公民身份号码",
    ]);
    const notes = JSON.stringify(wb.getWorksheet("说明")?.getSheetValues());
    expect(notes).toContain("设为文本");
    expect(notes).toContain("严重精神障碍患者");
    expect(notes).toContain("严管");
    expect(notes).toContain("网格员");
    expect(notes).toContain("已撤管");
  });

  it("the template imports as it is: its example rows are valid (dry run)", async () => {
    const res = await cli("roster", "import", file("模板.xlsx"), "--dry-run", "--json");
    const doc = JSON.parse(res.out);
    // The example rows name the fixture's 青山村, 王丽 and 李四.
    expect(doc).toMatchObject({ dryRun: true, applied: false, errors: [] });
    expect(doc.counts.subjects.created).toBe(1);
  });
});

describe("roster import of a messy township workbook", () => {
  it("rejects exactly the numeric ID, the bad checksum and the ambiguous name, and applies nothing", async () => {
    const messy = await townshipWorkbook("messy.xlsx", false);
    const before = await counts();
    const res = await cli("roster", "import", messy, "--json");
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.out);
    expect(doc).toMatchObject({ dryRun: false, applied: false });
    expect(
      doc.errors.map((e: Record<string, unknown>) => ({
        sheet: e.sheet,
        row: e.row,
        column: e.column,
        code: e.code,
      })),
    ).toEqual(MESSY_ERRORS);
    expect(doc.errors[0].message).toContain("把该列设为文本");
    expect(doc.errors[2].message).toContain("wangli");
    expect(doc.errors[2].message).toContain("wangli2");
    expect(doc.warnings.join("\n")).toContain("身份证复印件");
    expect(await counts()).toEqual(before);
    expect(await importAudits()).toEqual([]);

    const text = await cli("roster", "import", messy);
    expect(text.code).toBe(1);
    expect(text.out).toContain("未导入");
    expect(text.out).toContain("身份证号被存成数字｜特殊人群·身份证号码：1 处");
    expect(text.out).toContain("特殊人群 第7行 包保人“王丽”");
  });

  it("--dry-run of the fixed workbook reports what it would apply and changes nothing", async () => {
    const fixed = await townshipWorkbook("fixed.xlsx", true);
    const before = await counts();
    const res = await cli("roster", "import", fixed, "--dry-run", "--json");
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.out);
    expect(doc).toMatchObject({
      dryRun: true,
      applied: false,
      errors: [],
      counts: {
        cadres: { created: 3, updated: 0, unchanged: 0 },
        subjects: { created: 6, updated: 0, unchanged: 0 },
        guarantees: { created: 8, updated: 0, unchanged: 0 },
      },
    });
    expect(await counts()).toEqual(before);
  });

  it("--partial applies the valid rows and writes the rejected ones to an error workbook that imports once fixed", async () => {
    const before = await counts();
    const errors = file("错误.xlsx");
    const res = await cli("roster", "import", file("messy.xlsx"), "--partial", "--errors", errors, "--json");
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.out);
    expect(doc.applied).toBe(true);
    expect(doc.counts.subjects).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(doc.counts.cadres).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(await counts()).toMatchObject({ s: before.s + 3, c: before.c + 3 });

    // The rejected rows as they were, with 行号 and 错误原因.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(errors);
    const ws = wb.getWorksheet("特殊人群");
    if (!ws) throw new Error("no sheet");
    const header = (ws.getRow(1).values as string[]).slice(1);
    expect(header).toEqual([...PEOPLE_HEADER, "行号", "错误原因"]);
    expect(ws.rowCount).toBe(4);
    expect([2, 3, 4].map((r) => ws.getRow(r).getCell(15).value)).toEqual([5, 6, 7]);
    expect(String(ws.getRow(2).getCell(16).value)).toContain("把该列设为文本");
    // The operator fixes the three rows in that file and imports it.
    ws.getRow(2).getCell(3).value = ID.wangwu;
    ws.getRow(3).getCell(3).value = ID.zhaoliu;
    ws.getRow(4).getCell(12).value = "wangli";
    await wb.xlsx.writeFile(errors);
    const again = await cli("roster", "import", errors, "--json");
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).counts.subjects).toEqual({ created: 3, updated: 0, unchanged: 0 });

    const audits = await importAudits();
    expect(audits).toHaveLength(2);
    expect(audits[0]?.detail).toMatchObject({
      file: "messy.xlsx",
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("the fixed workbook now changes nothing, twice", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await cli("roster", "import", file("fixed.xlsx"), "--json");
      expect(res.code).toBe(0);
      expect(JSON.parse(res.out).counts).toEqual({
        regions: { created: 0, updated: 0, unchanged: 0 },
        cadres: { created: 0, updated: 0, unchanged: 3 },
        subjects: { created: 0, updated: 0, unchanged: 6 },
        guarantees: { created: 0, updated: 0, unchanged: 8 },
      });
    }
  });

  it("stores ID numbers only encrypted, and birth date and gender from the ID when the cells are empty", async () => {
    const [row] = await t.db.sql<{ idCipher: string; idMasked: string; gender: string; birth: string }>(
      `SELECT "idCipher", "idMasked", "gender", to_char("birthDate", 'YYYY-MM-DD') AS birth FROM "Subject" WHERE "name" = '李梅'`,
    );
    expect(row?.idCipher).not.toContain(ID.limei);
    expect(row?.idMasked).toBe(`4206**********${ID.limei.slice(-4)}`);
    expect(row).toMatchObject({ gender: "female", birth: "1947-06-05" });
  });

  it("the same people as a GBK CSV (Excel on Chinese Windows) import as unchanged", async () => {
    const lines = [
      PEOPLE_HEADER.join(","),
      ...peopleRows(true).map((r) =>
        r.map((c) => (c instanceof Date ? "1985-03-12" : c === null ? "" : `"${String(c)}"`)).join(","),
      ),
    ];
    const csv = file("台账.csv");
    fs.writeFileSync(csv, iconv.encode(`${lines.join("\r\n")}\r\n`, "gbk"));
    const res = await cli("roster", "import", csv, "--json");
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.out);
    expect(doc.errors).toEqual([]);
    expect(doc.counts.subjects).toEqual({ created: 0, updated: 0, unchanged: 6 });
    expect(doc.counts.guarantees).toEqual({ created: 0, updated: 0, unchanged: 8 });
  });

  it("an imported guarantor gets the person on the day's plan", async () => {
    const res = await cli("plan", "--date", "2026-12-07", "--json");
    expect(res.code).toBe(0);
    const plan = JSON.parse(res.out);
    const liu = plan.cadres.find((c: { userid: string }) => c.userid === "liujj");
    expect(liu?.items.map((i: { name: string }) => i.name)).toContain("张三");
  });

  it("a changed level, phone and village update the person, and only those fields", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("台账");
    ws.addRow(PEOPLE_HEADER);
    const row = peopleRows(true)[0] ?? [];
    row[5] = "13700000009";
    row[8] = "河口村";
    row[10] = "1级";
    ws.addRow(row);
    await wb.xlsx.writeFile(file("update.xlsx"));
    const res = await cli("roster", "import", file("update.xlsx"), "--json");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out).counts.subjects).toEqual({ created: 0, updated: 1, unchanged: 0 });
    const [s] = await t.db.sql<{
      level: string;
      phone: string;
      regionId: number;
      address: string;
      status: string;
    }>(`SELECT "level", "phone", "regionId", "address", "status" FROM "Subject" WHERE "name" = '张三'`);
    expect(s).toEqual({
      level: "risk1",
      phone: "13700000009",
      regionId: t.regions.v2,
      address: "青山村3组",
      status: "active",
    });
    const [a] = await t.db.sql<{ detail: { fields: string[] } }>(
      `SELECT "detail" FROM "AuditLog" WHERE "action" = 'roster.import.update' AND "entity" = 'Subject' ORDER BY "id" DESC LIMIT 1`,
    );
    expect(a?.detail.fields).toEqual(["phone", "regionId", "level"]);
  });

  it("a 状态 of 死亡 closes the person with the reason", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("台账");
    ws.addRow(PEOPLE_HEADER);
    const row = peopleRows(true)[5] ?? [];
    row[13] = "死亡";
    ws.addRow(row);
    await wb.xlsx.writeFile(file("close.xlsx"));
    const res = await cli("roster", "import", file("close.xlsx"), "--json");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out).counts.subjects).toEqual({ created: 0, updated: 1, unchanged: 0 });
    const [s] = await t.db.sql<{ status: string; closeReason: string; pauseReason: string | null }>(
      `SELECT "status", "closeReason", "pauseReason" FROM "Subject" WHERE "name" = '周八'`,
    );
    expect(s).toEqual({ status: "closed", closeReason: "死亡", pauseReason: null });
  });
});

describe("a file that brings its own villages", () => {
  it("creates the 地区 rows parents first and places people and cadres in them; an unknown village is named", async () => {
    const wb = new ExcelJS.Workbook();
    const people = wb.addWorksheet("花名册");
    people.addRow(["姓名", "身份证号", "所属乡镇", "所属村", "类别", "等级", "包保责任人"]);
    people.addRow([
      "钱一",
      withCheckDigit("42060219700101011"),
      "东岭镇",
      "东岭村",
      "重点信访人员",
      "重点",
      "陈明",
    ]);
    people.addRow([
      "钱二",
      withCheckDigit("42060219700101021"),
      "东岭镇",
      "西岭村",
      "重点信访人员",
      "一般",
      "陈明",
    ]);
    const regions = wb.addWorksheet("地区");
    regions.addRow(["编码", "名称", "层级", "上级编码"]);
    regions.addRow(["429901300201", "东岭村", "村", "429901300"]); // child before its parent
    regions.addRow(["429901300", "东岭镇", "乡镇", "429901"]);
    regions.addRow(["429901100202", "河口村", "村", "429901300"]); // exists under 示范镇
    const cadres = wb.addWorksheet("干部");
    cadres.addRow(["姓名", "账号", "角色", "所属地区"]);
    cadres.addRow(["陈明", "chenming", "网格员", "东岭村"]);
    await wb.xlsx.writeFile(file("regions.xlsx"));
    const res = await cli("roster", "import", file("regions.xlsx"), "--json");
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.out);
    expect(
      doc.errors.map((e: { sheet: string; row: number; code: string }) => [e.sheet, e.row, e.code]),
    ).toEqual([
      ["地区", 4, "region_move"],
      ["花名册", 3, "region_unknown"],
    ]);
    expect(doc.errors[1].message).toContain("西岭村");

    // Without the two bad rows: two regions, one cadre, one person.
    regions.spliceRows(4, 1);
    people.spliceRows(3, 1);
    await wb.xlsx.writeFile(file("regions.xlsx"));
    const fixed = await cli("roster", "import", file("regions.xlsx"), "--json");
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.out).counts).toMatchObject({
      regions: { created: 2 },
      cadres: { created: 1 },
      subjects: { created: 1 },
      guarantees: { created: 1 },
    });
    const [village] = await t.db.sql<{ path: string; parent: string }>(
      `SELECT r."path", p."name" AS parent FROM "Region" r JOIN "Region" p ON p."id" = r."parentId" WHERE r."code" = '429901300201'`,
    );
    expect(village?.parent).toBe("东岭镇");
    expect(village?.path).toMatch(new RegExp(`^/${t.regions.county}/\\d+/\\d+/$`));
  });
});

describe("cadre rows that would lose or confuse someone", () => {
  it("a mobile that belongs to another account, and a sole guarantor set 离岗, are row errors", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("干部");
    ws.addRow(["姓名", "企业微信账号", "手机号", "角色", "所属地区", "状态"]);
    ws.addRow(["张新", "zhangxin", "13800000013", "网格员", "青山村", "在岗"]);
    ws.addRow(["李四", "lisi", null, "网格员", "青山村", "离岗"]);
    await wb.xlsx.writeFile(file("cadres.xlsx"));
    const before = await counts();
    const res = await cli("roster", "import", file("cadres.xlsx"), "--json");
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.out);
    expect(doc.errors.map((e: { row: number; code: string }) => [e.row, e.code])).toEqual([
      [2, "cadre_conflict"],
      [3, "cadre_sole_guarantor"],
    ]);
    expect(doc.errors[0].message).toContain("liujj");
    expect(doc.errors[1].message).toContain("guarantee handover");
    expect(await counts()).toEqual(before);
  });
});

describe("files refused as a whole", () => {
  const refused = async (name: string, content: string | Buffer, expected: string) => {
    fs.writeFileSync(file(name), content);
    const before = await counts();
    const res = await cli("roster", "import", file(name));
    expect(res.code).toBe(1);
    expect(res.err).toContain(expected);
    expect(await counts()).toEqual(before);
  };
  it("an empty file, a non-spreadsheet, an old .xls, a sheet without a header", async () => {
    await refused("empty.xlsx", "", "文件是空的");
    await refused("notes.xlsx", "这不是表格", "不是 Excel（.xlsx）文件");
    await refused("old.xls", "x", "另存为");
    await refused("plain.csv", "你好,世界\n1,2\n", "没有找到台账表头");
  });

  it("a file over 50 MB", async () => {
    const big = file("big.csv");
    fs.writeFileSync(big, "");
    fs.truncateSync(big, 51 * 1024 * 1024);
    const res = await cli("roster", "import", big);
    expect(res.code).toBe(1);
    expect(res.err).toContain("上限 50 MB");
  });

  it("a people sheet without its 包保责任人 column names the column and its variants", async () => {
    const lines = ["姓名,身份证号,村,类别,等级", `张三,${ID.zhangsan},青山村,精神病人,3级`];
    fs.writeFileSync(file("noguard.csv"), `\ufeff${lines.join("\n")}`);
    const res = await cli("roster", "import", file("noguard.csv"));
    expect(res.code).toBe(1);
    expect(res.err).toContain("缺少必填列：包保责任人");
  });
});
