/**
 * Round trip through the CLI: a township workbook imported, `roster export` of the register,
 * and the exported file imported again changes nothing (masked IDs and with `--full-id`),
 * including a paused and a closed person and a deactivated cadre.
 */
import path from "node:path";
import ExcelJS from "exceljs";
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

/** Every category, several roles, a paused and two closed people, an inactive cadre. */
async function townshipWorkbook(name: string): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const cadres = wb.addWorksheet("干部");
  cadres.addRow(["姓名", "企业微信账号", "手机号", "角色", "所属地区", "管辖范围", "状态"]);
  cadres.addRow(["王丽", "wangli2", "13800000011", "网格员", "河口村", null, null]);
  cadres.addRow(["陈刚", "chengang", "13800000012", "村支书、网格员", "河口村", null, null]);
  cadres.addRow(["刘建军", "liujj", "13800000013", "社区民警", "示范镇", null, null]);
  cadres.addRow(["钱进", "qianjin", "13800000014", "网格员", "青山村", null, "停用"]);
  const people = wb.addWorksheet("管控对象");
  people.addRow([
    "姓名",
    "公民身份号码",
    "联系电话",
    "现住址",
    "所属乡镇",
    "所属村（社区）",
    "人员类别",
    "管理等级",
    "包保责任人",
    "责任单位",
    "状态",
    "备注",
  ]);
  const rows: (string | null)[][] = [
    [
      "张三",
      "42060219850312001",
      "13900000001",
      "青山村3组",
      "精神病人",
      "危险性评估3级",
      "李四、刘建军",
      "卫健",
      "在管",
      "按时服药",
    ],
    ["李梅", "42060219470605002", null, null, "空巢老人", "重点", "陈刚", null, null, null],
    ["王五", "42060219900101003", null, null, "社区矫正对象", "严管", "lisi", "司法所", null, null],
    ["赵六", "42060219920202004", null, null, "刑释解教人员", "一般", "赵敏", null, "死亡", null],
    ["孙七", "42060219880808007", null, null, "吸毒人员", "高风险", "wangli", null, "迁出", null],
    ["周八", "42060219950505009", null, null, "留守儿童", "重点", "chengang", null, "已解除", null],
    ["吴九", "42060220080707011", null, null, "闲散青少年", "一般", "liujj", null, null, null],
    ["郑十", "42060219700303013", null, null, "重点信访人员", "重点", "lisi", null, null, null],
  ];
  for (const [i, [n, id, phone, addr, cat, lvl, g, dept, status, notes]] of rows.entries())
    people.addRow([
      n,
      withCheckDigit(id ?? ""),
      phone,
      addr,
      "示范镇",
      i % 2 === 0 ? "青山村" : "河口村",
      cat,
      lvl,
      g,
      dept,
      status,
      notes,
    ]);
  people.getColumn(2).numFmt = "@";
  await wb.xlsx.writeFile(file(name));
  return file(name);
}

const unchangedCounts = (doc: { counts: Record<string, { created: number; updated: number }> }) =>
  Object.fromEntries(
    Object.entries(doc.counts).map(([k, c]) => [k, { created: c.created, updated: c.updated }]),
  );
const nothingChanged = {
  regions: { created: 0, updated: 0 },
  cadres: { created: 0, updated: 0 },
  subjects: { created: 0, updated: 0 },
  guarantees: { created: 0, updated: 0 },
};
const snapshot = () =>
  t.db.sql(
    `SELECT "id", "name", "idCipher", "idMasked", "category", "level", "status", "pauseReason", "closeReason", "regionId", "phone", "notes", "department" FROM "Subject" ORDER BY "id"`,
  );

describe("roster export then roster import", () => {
  it("imports the township workbook", async () => {
    const res = await cli("roster", "import", await townshipWorkbook("镇台账.xlsx"), "--json");
    const doc = JSON.parse(res.out);
    expect(doc.errors).toEqual([]);
    expect(res.code).toBe(0);
    expect(doc.counts.subjects.created).toBe(8);
    // 王五 is paused by command (the file's 暂停（原因） only confirms a pause).
    const paused = await cli(
      "subject",
      "pause",
      withCheckDigit("42060219900101003"),
      "--reason",
      "外出务工",
      "--from",
      "2026-12-01",
    );
    expect(paused.code).toBe(0);
    // 郑十 is closed by command with a free reason: exported as 已解除（户籍注销）.
    const closedByCommand = await cli(
      "subject",
      "close",
      withCheckDigit("42060219700303013"),
      "--reason",
      "户籍注销",
    );
    expect(closedByCommand.code).toBe(0);
    const closed = await t.db.sql(
      `SELECT "name", "status", "closeReason", "pauseReason" FROM "Subject" WHERE "status" <> 'active' ORDER BY "name"`,
    );
    expect(closed).toEqual([
      { name: "周八", status: "closed", closeReason: "已解除", pauseReason: null },
      { name: "孙七", status: "closed", closeReason: "迁出", pauseReason: null },
      { name: "王五", status: "paused", closeReason: null, pauseReason: "外出务工" },
      { name: "赵六", status: "closed", closeReason: "死亡", pauseReason: null },
      { name: "郑十", status: "closed", closeReason: "户籍注销", pauseReason: null },
    ]);
  });

  it.each([
    ["masked IDs", []],
    ["--full-id", ["--full-id"]],
  ])("the exported register (%s) imports as unchanged", async (_label, extra) => {
    const out = file(`导出${extra.length}.xlsx`);
    const exported = await cli("roster", "export", "--out", out, ...(extra as string[]));
    expect(exported.code).toBe(0);
    const before = await snapshot();
    const res = await cli("roster", "import", out, "--json");
    const doc = JSON.parse(res.out);
    expect(doc.errors).toEqual([]);
    expect(unchangedCounts(doc)).toEqual(nothingChanged);
    expect(doc.counts.subjects.unchanged).toBeGreaterThanOrEqual(8);
    expect(res.code).toBe(0);
    expect(await snapshot()).toEqual(before);
    const ws = new ExcelJS.Workbook();
    await ws.xlsx.readFile(out);
    const states = ws.getWorksheet("管控对象")?.getColumn(15).values.slice(2);
    expect(states).toEqual(
      expect.arrayContaining(["暂停（外出务工）", "死亡", "迁出", "已解除", "已解除（户籍注销）"]),
    );
  });

  it("rejects a masked ID that names nobody or another person, and a pause started by the file", async () => {
    const exported = file("导出0.xlsx");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(exported);
    const ws = wb.getWorksheet("管控对象");
    if (!ws) throw new Error("no sheet");
    const rowOf = (name: string) => {
      for (let r = 2; r <= ws.rowCount; r++) if (ws.getRow(r).getCell(2).value === name) return ws.getRow(r);
      throw new Error(name);
    };
    const zhang = rowOf("张三");
    const li = rowOf("李梅");
    const wu = rowOf("吴九");
    zhang.getCell(1).value = null; // a masked number without 编号
    li.getCell(3).value = String(zhang.getCell(3).value); // another person's masked number
    wu.getCell(15).value = "暂停（住院）";
    await wb.xlsx.writeFile(exported);
    const before = await snapshot();
    const res = await cli("roster", "import", exported, "--json");
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.out);
    expect(doc.errors.map((e: { row: number; code: string }) => [e.row, e.code])).toEqual([
      [zhang.number, "id_number_masked"],
      [li.number, "id_number_masked"],
      [wu.number, "status_paused"],
    ]);
    expect(await snapshot()).toEqual(before);
  });
});
