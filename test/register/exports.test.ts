/**
 * `roster export` and `visits export` through the CLI: the written workbooks read back with
 * exceljs (sheets, headers, values, text cells), masked and full ID numbers with their audit
 * entries, the region filter, the visits' title row and columns, withdrawn and superseded visits
 * left out, and the failures (bad dates, unknown region, unwritable path). Fixed clock: Thursday
 * 2026-11-26 10:00 (Shanghai); ISO week W48 = 11-23…11-29.
 */
import fs from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { REGISTER_COLUMNS, REGISTER_SHEETS } from "../../src/register/register-columns";
import { VISIT_EXPORT_COLUMNS } from "../../src/reports/visits-export";
import { dbDateFromLocalDate } from "../../src/domain/local-date";
import { cliRunner } from "../helpers/run-cli";
import { makeTempDir } from "../helpers/temp-dir";
import { createTownship, SECRET_KEY_HEX, sh, type Township } from "../planning/township-fixture";

const NOW = sh("2026-11-26 10:00");
const FULL_ID = "11010519491231002X";

let t: Township;
let tmp: { dir: string; cleanup: () => void };
let baobao: ReturnType<typeof cliRunner>;
const people: Record<string, number> = {};
const incidents: Record<string, number> = {};

/** A visit recorded from a stored inbound message of `msgType` (as the bot records one). */
async function visitFrom(
  msgType: "text" | "template_card_event",
  subjectId: number,
  cadreId: number,
  at: string,
  extra: { outcome?: "normal" | "abnormal" | "not_met"; anomalies?: string[]; note?: string } = {},
) {
  const inbound = await t.db.prisma.inboundMessage.create({
    data: {
      channel: "app",
      externalId: `m-${subjectId}-${at}`,
      fromUser: "wangli",
      msgType,
      payload: {},
      status: "processed",
      receivedAt: sh(at),
    },
  });
  return t.db.prisma.visit.create({
    data: {
      subjectId,
      cadreId,
      occurredAt: sh(at),
      createdAt: sh(at),
      method: "in_person",
      outcome: extra.outcome ?? "normal",
      anomalies: extra.anomalies ?? [],
      note: extra.note ?? null,
      sourceMessageId: `app:${inbound.id}:${subjectId}`,
    },
  });
}

beforeAll(async () => {
  t = await createTownship();
  tmp = makeTempDir();
  baobao = cliRunner({ DATABASE_URL: t.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX });
  const { wangli, lisi, zhaomin } = t.cadres;
  await t.db.prisma.cadre.update({ where: { id: wangli.id }, data: { mobile: "13800001111" } });
  const grid = await t.store.regions.create({
    code: "429901100201001",
    name: "青山一网格",
    level: "grid",
    parentId: t.regions.v1,
  });
  // 张三 in the grid, two guarantors, with ID number, phone and birth date.
  people.张三 = (
    await t.store.subjects.create({
      name: "张三",
      idNumber: FULL_ID,
      gender: "female",
      birthDate: dbDateFromLocalDate("1949-12-31"),
      phone: "013912345678",
      address: "青山村3组",
      regionId: grid.id,
      category: "mental_disorder",
      level: "risk3",
      department: "卫健",
    })
  ).id;
  for (const c of [wangli, lisi]) {
    await t.db.prisma.guarantee.create({
      data: { subjectId: people.张三, cadreId: c.id, startDate: dbDateFromLocalDate("2026-01-01") },
    });
  }
  // A guarantee that ended: not a guarantor any more.
  await t.db.prisma.guarantee.create({
    data: {
      subjectId: people.张三,
      cadreId: zhaomin.id,
      startDate: dbDateFromLocalDate("2025-01-01"),
      endDate: dbDateFromLocalDate("2025-12-31"),
    },
  });
  people.孙丽 = await t.subject({ name: "孙丽", category: "drug_rehab", level: "low", guarantors: [wangli] });
  await t.store.subjects.pause(people.孙丽, { reason: "住院", from: dbDateFromLocalDate("2026-11-20") });
  people.陈明 = await t.subject({
    name: "陈明",
    category: "elderly_alone",
    level: "high",
    village: "v2",
    guarantors: [zhaomin],
  });

  // 张三: a message (11-16), a withdrawn one (11-20), a record corrected on 11-18 (the first one
  // raised an incident, the correction is active), a card tap (11-24, abnormal, incident).
  await visitFrom("text", people.张三, wangli.id, "2026-11-16 10:00");
  const withdrawn = await visitFrom("text", people.张三, wangli.id, "2026-11-20 10:00", {
    note: "撤销的记录",
  });
  await t.db.prisma.visit.update({
    where: { id: withdrawn.id },
    data: { status: "withdrawn", withdrawnAt: sh("2026-11-20 10:05") },
  });
  const first = await visitFrom("text", people.张三, lisi.id, "2026-11-18 15:00", {
    outcome: "abnormal",
    anomalies: ["violence"],
    note: "被更正的记录",
  });
  await t.db.prisma.visit.update({ where: { id: first.id }, data: { status: "superseded" } });
  const corrected = await visitFrom("text", people.张三, lisi.id, "2026-11-18 15:30", {
    outcome: "abnormal",
    anomalies: ["violence"],
    note: "砸东西，已报派出所",
  });
  await t.db.prisma.visit.update({ where: { id: corrected.id }, data: { correctsId: first.id } });
  const card = await visitFrom("template_card_event", people.张三, wangli.id, "2026-11-24 09:00", {
    outcome: "abnormal",
    anomalies: ["emotional_agitation"],
    note: "情绪激动，已安抚",
  });
  const incident = (sourceMessageId: string, at: string) =>
    t.db.prisma.incident.create({
      data: {
        severity: "urgent",
        category: "mental_disorder",
        reporterId: wangli.id,
        subjectId: people.张三,
        regionId: t.regions.v1,
        summary: "张三 情况异常",
        sourceMessageId,
        createdAt: sh(at),
      },
    });
  incidents.chain = (await incident(`visit:${first.id}`, "2026-11-18 15:01")).id;
  incidents.card = (await incident(`visit:${card.id}`, "2026-11-24 09:01")).id;
  // 陈明: a late entry (visited 11-19, recorded 11-21) and an October visit outside the range.
  await t.visit(people.陈明, zhaomin, "2026-11-19 16:00", { createdAt: "2026-11-21 08:00", method: "phone" });
  await t.visit(people.陈明, zhaomin, "2026-10-10 10:00");
});

afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

const out = (name: string) => path.join(tmp.dir, name);

async function readBook(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

/** A sheet's rows as arrays of cell text (row 1 first). */
function rowsOf(sheet: ExcelJS.Worksheet | undefined): string[][] {
  const rows: string[][] = [];
  sheet?.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    for (let c = 1; c <= sheet.columnCount; c++) {
      const v = row.getCell(c).value;
      cells.push(v === null || v === undefined ? "" : String(v));
    }
    rows.push(cells);
  });
  return rows;
}

async function auditRows(action: string) {
  return t.db.sql<{ actor: string; at: Date; detail: Record<string, unknown> }>(
    `SELECT "actor", "at", "detail" FROM "AuditLog" WHERE "action" = $1 ORDER BY "id"`,
    [action],
  );
}

describe("roster export", () => {
  it("writes the three sheets with the canonical headers, masked IDs and text cells", async () => {
    const file = out("台账.xlsx");
    const res = await baobao(["roster", "export", "--out", file], { now: NOW });
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(res.out).toContain(`已导出整个台账：${file}`);
    expect(res.out).toContain("地区 5 个，干部 6 名，管控对象 3 人。");
    expect(res.out).toContain("身份证号已打码");

    const wb = await readBook(file);
    expect(wb.worksheets.map((s) => s.name)).toEqual([
      REGISTER_SHEETS.regions.name,
      REGISTER_SHEETS.cadres.name,
      REGISTER_SHEETS.subjects.name,
    ]);
    for (const kind of ["regions", "cadres", "subjects"] as const) {
      const rows = rowsOf(wb.getWorksheet(REGISTER_SHEETS[kind].name));
      expect(rows[0]).toEqual(REGISTER_COLUMNS[kind].map((c) => c.header));
    }
    expect(rowsOf(wb.getWorksheet("地区")).slice(1)).toEqual([
      ["429901", "示范县", "县", ""],
      ["429901100", "示范镇", "乡镇", "429901"],
      ["429901100201", "青山村", "村", "429901100"],
      ["429901100201001", "青山一网格", "网格", "429901100201"],
      ["429901100202", "河口村", "村", "429901100"],
    ]);
    const cadres = rowsOf(wb.getWorksheet("干部"));
    expect(cadres).toContainEqual(["王丽", "wangli", "13800001111", "包保干部", "青山村", "青山村", "在岗"]);
    expect(cadres).toContainEqual([
      "王德富",
      "wangdefu",
      "",
      "村（社区）负责人，包保干部",
      "青山村",
      "青山村",
      "在岗",
    ]);
    expect(cadres).toContainEqual(["周建国", "zhoujg", "", "乡镇领导", "示范镇", "示范镇", "在岗"]);

    const subjects = wb.getWorksheet("管控对象");
    const rows = rowsOf(subjects);
    expect(rows.slice(1)).toEqual([
      [
        String(people.张三),
        "张三",
        "1101**********002X",
        "女",
        "1949-12-31",
        "013912345678",
        "青山村3组",
        "示范镇",
        "青山村",
        "青山一网格",
        "严重精神障碍患者",
        "风险3级",
        "wangli、lisi",
        "卫健",
        "在管",
        "",
      ],
      [
        String(people.孙丽),
        "孙丽",
        "",
        "",
        "",
        "",
        "",
        "示范镇",
        "青山村",
        "",
        "社区戒毒社区康复人员",
        "低风险",
        "wangli",
        "",
        "暂停（住院）",
        "",
      ],
      [
        String(people.陈明),
        "陈明",
        "",
        "",
        "",
        "",
        "",
        "示范镇",
        "河口村",
        "",
        "独居空巢老人",
        "高风险",
        "zhaomin",
        "",
        "在管",
        "",
      ],
    ]);
    // ID, phone, number and date columns are Excel text cells: nothing becomes 1.1E+17.
    const row = subjects?.getRow(2);
    for (const header of ["编号", "公民身份号码", "出生日期", "联系电话"]) {
      const cell = row?.getCell(rows[0]!.indexOf(header) + 1);
      expect([header, cell?.type, cell?.numFmt]).toEqual([header, ExcelJS.ValueType.String, "@"]);
    }
    const audit = await auditRows("roster.export");
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toEqual({
      file,
      region: null,
      fullId: false,
      regions: 5,
      cadres: 6,
      subjects: 3,
    });
    expect(audit[0]?.actor).toMatch(/^cli/);
    expect(new Date(audit[0]!.at).getTime()).toBe(NOW.getTime());
    expect(await auditRows("roster.export_full_id")).toHaveLength(0);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("writes the full ID number only with --full-id, and audits that read", async () => {
    const file = out("台账-完整.xlsx");
    const res = await baobao(["roster", "export", "--out", file, "--full-id", "--json"], { now: NOW });
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(res.out)).toEqual({
      file,
      region: null,
      fullId: true,
      counts: { regions: 5, cadres: 6, subjects: 3 },
    });
    const sheet = (await readBook(file)).getWorksheet("管控对象");
    const cell = sheet?.getRow(2).getCell(3);
    expect([cell?.value, cell?.type, cell?.numFmt]).toEqual([FULL_ID, ExcelJS.ValueType.String, "@"]);
    const audit = await auditRows("roster.export_full_id");
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({ file, fullId: true, subjects: 3, region: null });
  });

  it("limits the export to a region's subtree (with the ancestors in 地区)", async () => {
    const file = out("河口村.xlsx");
    const res = await baobao(["roster", "export", "--out", file, "--region", "429901100202"], { now: NOW });
    expect(res).toMatchObject({ code: 0 });
    expect(res.out).toContain("已导出河口村（429901100202）");
    const wb = await readBook(file);
    expect(rowsOf(wb.getWorksheet("地区")).map((r) => r[0])).toEqual([
      "地区编码",
      "429901",
      "429901100",
      "429901100202",
    ]);
    expect(rowsOf(wb.getWorksheet("干部")).map((r) => r[1])).toEqual([
      "企业微信账号",
      "zhaomin",
      "lichunsheng",
    ]);
    expect(rowsOf(wb.getWorksheet("管控对象")).map((r) => r[1])).toEqual(["姓名", "陈明"]);
    const audit = await auditRows("roster.export");
    expect(audit.at(-1)?.detail).toMatchObject({ region: "429901100202", subjects: 1, fullId: false });
  });

  it("refuses an unknown region, a missing directory and a non-xlsx name, writing nothing", async () => {
    const before = (await auditRows("roster.export")).length;
    const unknown = await baobao(["roster", "export", "--out", out("x.xlsx"), "--region", "999"], {
      now: NOW,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("找不到地区编码：999");
    expect(fs.existsSync(out("x.xlsx"))).toBe(false);
    const noDir = await baobao(["roster", "export", "--out", out("没有/x.xlsx")], { now: NOW });
    expect(noDir.code).toBe(1);
    expect(noDir.err).toContain("--out 的目录不存在");
    const csv = await baobao(["roster", "export", "--out", out("x.csv")], { now: NOW });
    expect(csv.code).toBe(1);
    expect(csv.err).toContain("--out 应为 .xlsx 文件");
    if (process.getuid?.() !== 0) {
      const locked = out("只读");
      fs.mkdirSync(locked, { mode: 0o500 });
      const ro = await baobao(["roster", "export", "--out", path.join(locked, "x.xlsx")], { now: NOW });
      expect(ro.code).toBe(1);
      expect(ro.err).toContain("没有写入权限");
    }
    expect(await auditRows("roster.export")).toHaveLength(before);
  });

  it("reports a failed write in Chinese, leaves no file and records no export", async () => {
    const before = (await auditRows("roster.export")).length;
    const file = out("写不了.xlsx");
    // The temporary file beside it cannot be created (a directory has its name).
    const blocker = path.join(tmp.dir, `.写不了.xlsx.${process.pid}.tmp`);
    fs.mkdirSync(blocker);
    const res = await baobao(["roster", "export", "--out", file], { now: NOW });
    fs.rmdirSync(blocker);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`无法写入 ${file}：临时文件名已被目录占用`);
    expect(fs.existsSync(file)).toBe(false);
    expect(await auditRows("roster.export")).toHaveLength(before);
  });

  it("has Chinese help", async () => {
    const res = await baobao(["roster", "export", "--help"]);
    expect(res.code).toBe(0);
    expect(res.out).toContain("用法： baobao roster export");
    expect(res.out).toContain("--full-id");
    expect(res.out).toContain("记入审计日志");
  });
});

describe("visits export", () => {
  const header = VISIT_EXPORT_COLUMNS.map((c) => c.header);

  it("writes the title row, the platform's columns and the active visits only", async () => {
    const file = out("走访记录.xlsx");
    const res = await baobao(
      ["visits", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", file],
      { now: NOW },
    );
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(res.out).toContain(`已导出走访记录：${file}`);
    expect(res.out).toContain("示范县特殊人群走访记录（2026-11-01至2026-11-30），共 4 条");
    const sheet = (await readBook(file)).getWorksheet("走访记录");
    const rows = rowsOf(sheet);
    expect(rows[0]?.[0]).toBe("示范县特殊人群走访记录（2026-11-01至2026-11-30）");
    expect(sheet?.getCell("A1").isMerged).toBe(true);
    expect(sheet?.views[0]).toMatchObject({ state: "frozen", ySplit: 2 });
    expect(rows[1]).toEqual([
      "序号",
      "所属村（社区）",
      "所属网格",
      "人员类别",
      "姓名",
      "公民身份号码（打码）",
      "管理等级",
      "走访时间",
      "走访方式",
      "走访人",
      "走访人电话",
      "见到本人",
      "走访情况",
      "情况描述",
      "是否上报事件",
      "下次应访日期",
      "登记方式",
      "登记时间",
    ]);
    expect(rows[1]).toEqual(header);
    // Withdrawn (11-20) and superseded (11-18 15:00) records are left out; so is October.
    expect(rows.slice(2)).toEqual([
      [
        "1",
        "青山村",
        "青山一网格",
        "严重精神障碍患者",
        "张三",
        "1101**********002X",
        "风险3级",
        "2026-11-16 10:00",
        "上门走访",
        "王丽",
        "13800001111",
        "是",
        "正常",
        "",
        "否",
        "2026-12-04",
        "消息",
        "2026-11-16 10:00",
      ],
      [
        "2",
        "青山村",
        "青山一网格",
        "严重精神障碍患者",
        "张三",
        "1101**********002X",
        "风险3级",
        "2026-11-18 15:30",
        "上门走访",
        "李四",
        "",
        "是",
        "异常",
        "打砸伤人；砸东西，已报派出所",
        `是（E${incidents.chain}）`,
        "2026-12-04",
        "消息",
        "2026-11-18 15:30",
      ],
      [
        "3",
        "河口村",
        "",
        "独居空巢老人",
        "陈明",
        "",
        "高风险",
        "2026-11-19 16:00",
        "电话联系",
        "赵敏",
        "",
        "是",
        "正常",
        "",
        "否",
        "2026-11-27",
        "补登",
        "2026-11-21 08:00",
      ],
      [
        "4",
        "青山村",
        "青山一网格",
        "严重精神障碍患者",
        "张三",
        "1101**********002X",
        "风险3级",
        "2026-11-24 09:00",
        "上门走访",
        "王丽",
        "13800001111",
        "是",
        "异常",
        "情绪激动；情绪激动，已安抚",
        `是（E${incidents.card}）`,
        "2026-12-04",
        "卡片",
        "2026-11-24 09:00",
      ],
    ]);
    const idCell = sheet?.getRow(3).getCell(header.indexOf("公民身份号码（打码）") + 1);
    expect([idCell?.type, idCell?.numFmt]).toEqual([ExcelJS.ValueType.String, "@"]);
    const phoneCell = sheet?.getRow(3).getCell(header.indexOf("走访人电话") + 1);
    expect([phoneCell?.type, phoneCell?.numFmt]).toEqual([ExcelJS.ValueType.String, "@"]);
    const audit = await auditRows("visits.export");
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toEqual({ file, region: null, from: "2026-11-01", to: "2026-11-30", rows: 4 });
  });

  it("limits the export to a region and titles it with the region's name (--json)", async () => {
    const file = out("河口村走访.xlsx");
    const res = await baobao(
      [
        "visits",
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-20",
        "--out",
        file,
        "--region",
        "429901100202",
        "--json",
      ],
      { now: NOW },
    );
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(res.out)).toEqual({
      file,
      region: "429901100202",
      from: "2026-11-01",
      to: "2026-11-20",
      title: "河口村特殊人群走访记录（2026-11-01至2026-11-20）",
      rows: 1,
      nextDueAsOf: "2026-11-20T15:59:59.999Z",
    });
    const rows = rowsOf((await readBook(file)).getWorksheet("走访记录"));
    expect(rows.slice(2).map((r) => [r[4], r[7], r[15]])).toEqual([
      ["陈明", "2026-11-19 16:00", "2026-11-27"],
    ]);
  });

  it("rejects bad dates, a reversed range and an unknown region, writing nothing", async () => {
    const file = out("坏.xlsx");
    const bad = await baobao([
      "visits",
      "export",
      "--from",
      "2026-11-31",
      "--to",
      "2026-12-01",
      "--out",
      file,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("日期应为 YYYY-MM-DD 格式的真实日期：2026-11-31");
    const reversed = await baobao([
      "visits",
      "export",
      "--from",
      "2026-11-20",
      "--to",
      "2026-11-01",
      "--out",
      file,
    ]);
    expect(reversed.code).toBe(1);
    expect(reversed.err).toContain("起始日期 2026-11-20 晚于截止日期 2026-11-01");
    const region = await baobao(
      ["visits", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", file, "--region", "42"],
      { now: NOW },
    );
    expect(region.code).toBe(1);
    expect(region.err).toContain("找不到地区编码：42");
    const missing = await baobao(["visits", "export", "--from", "2026-11-01", "--out", file]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("--to");
    expect(fs.existsSync(file)).toBe(false);
    expect(await auditRows("visits.export")).toHaveLength(2);
  });

  it("has Chinese help", async () => {
    const res = await baobao(["visits", "export", "--help"]);
    expect(res.code).toBe(0);
    expect(res.out).toContain("用法： baobao visits export");
    expect(res.out).toContain("--from <YYYY-MM-DD>");
  });
});
