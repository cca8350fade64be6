/**
 * The two workbooks `roster` writes besides the export: the error workbook (the rejected rows as
 * they were, plus 行号 and 错误原因, importable again once fixed) and the canonical template.
 */
import ExcelJS from "exceljs";
import { CATEGORIES } from "../domain/categories";
import { CATEGORY_FULL_LABELS } from "../domain/labels";
import {
  CADRE_STATUS_CHOICES,
  CATEGORY_CHOICES,
  levelChoices,
  REGION_LEVEL_CHOICES,
  ROLE_CHOICES,
  SUBJECT_STATUS_CHOICES,
} from "./cell-values";
import type { ImportIssue } from "./import-plan";
import { REGISTER_COLUMNS, REGISTER_SHEETS, type RegisterSheetKind } from "./register-columns";
import { ERROR_COLUMNS, type ReadResult } from "./sheet-reader";

/** Columns that must stay text so Excel cannot turn them into numbers. */
const TEXT_KEYS = new Set(["idNumber", "phone", "mobile", "userid", "code", "parentCode", "number"]);

function headerStyle(row: ExcelJS.Row): void {
  row.font = { bold: true };
  row.commit();
}

/** Writes the rejected rows of every sheet, as they were, with 行号 and 错误原因. */
export async function writeErrorWorkbook(
  file: string,
  read: ReadResult,
  errors: readonly ImportIssue[],
): Promise<void> {
  const byRow = new Map<string, ImportIssue[]>();
  for (const e of errors) {
    const key = `${e.sheet}\u0000${e.row}`;
    byRow.set(key, [...(byRow.get(key) ?? []), e]);
  }
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: true });
  for (const sheet of read.sheets) {
    const rows = sheet.rows.filter((r) => byRow.has(`${sheet.name}\u0000${r.row}`));
    if (rows.length === 0) continue;
    const ws = wb.addWorksheet(sheet.name.slice(0, 31));
    const width = Math.max(sheet.headers.length, ...rows.map((r) => r.original.length));
    const textCols = new Set(sheet.columns.filter((c) => TEXT_KEYS.has(c.key)).map((c) => c.index + 1));
    ws.columns = [
      ...Array.from({ length: width }, (_, i) => ({
        width: 16,
        ...(textCols.has(i + 1) ? { style: { numFmt: "@" } } : {}),
      })),
      { width: 8 },
      { width: 60 },
    ];
    const headers = Array.from({ length: width }, (_, i) => sheet.headers[i] ?? "");
    headerStyle(ws.addRow([...headers, ERROR_COLUMNS.row, ERROR_COLUMNS.reason]));
    for (const r of rows) {
      const reasons = (byRow.get(`${sheet.name}\u0000${r.row}`) ?? []).map(
        (e) => `${e.column}：${e.message}`,
      );
      const cells = Array.from({ length: width }, (_, i) => r.original[i] ?? null);
      ws.addRow([...cells, r.row, reasons.join("；")]).commit();
    }
    ws.commit();
  }
  await wb.commit();
}

const EXAMPLES: Readonly<Record<RegisterSheetKind, readonly string[]>> = {
  regions: ["429901100201", "青山村", "村", "429901100"],
  cadres: ["王丽", "wangli", "13800000001", "网格员", "青山村", "青山村", "在岗"],
  subjects: [
    "",
    "张三",
    "420602199001011233",
    "男",
    "1990-01-01",
    "13900000002",
    "青山村3组12号",
    "示范镇",
    "青山村",
    "",
    "严重精神障碍患者",
    "危险性评估2级",
    "王丽、李四",
    "镇卫生院",
    "在管",
    "",
  ],
};

/** The canonical workbook: 地区, 干部, 管控对象 (headers and one example row each) and 说明. */
export async function writeTemplateWorkbook(file: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  for (const kind of ["regions", "cadres", "subjects"] as RegisterSheetKind[]) {
    const ws = wb.addWorksheet(REGISTER_SHEETS[kind].name);
    const columns = REGISTER_COLUMNS[kind];
    ws.columns = columns.map((c) => ({
      header: c.header,
      key: c.key,
      width: Math.max(12, c.header.length * 2 + 4),
      ...(TEXT_KEYS.has(c.key) ? { style: { numFmt: "@" } } : {}),
    }));
    ws.getRow(1).font = { bold: true };
    ws.addRow([...EXAMPLES[kind]]);
    ws.views = [{ state: "frozen", ySplit: 1 }];
  }
  const notes = wb.addWorksheet("说明");
  notes.columns = [{ width: 18 }, { width: 110 }];
  const add = (a: string, b: string) => {
    const row = notes.addRow([a, b]);
    row.alignment = { wrapText: true, vertical: "top" };
  };
  add(
    "说明",
    "本模板与 npx baobao roster export 导出的格式一致；各乡镇自己的表格也可直接导入（按表头文字识别列，不要求顺序）。",
  );
  add(
    "身份证号、电话",
    "请先把“公民身份号码”“联系电话”“手机号”列设为文本（选中该列→设置单元格格式→文本），再填写或粘贴；否则 Excel 会把18位号码变成 4.20602E+17，后几位丢失，导入时会被拒绝。",
  );
  add(
    "必填列",
    "管控对象：姓名、公民身份号码（新增人员）、所属村（社区）、人员类别、管理等级、包保责任人；干部：姓名、角色、所属地区，企业微信账号或手机号至少一项；地区：地区编码、地区名称、级别。",
  );
  add("人员类别", CATEGORY_CHOICES);
  for (const c of CATEGORIES) add(`管理等级·${CATEGORY_FULL_LABELS[c]}`, levelChoices(c));
  add("干部角色", `${ROLE_CHOICES}；一人多个角色用“、”分隔`);
  add("地区级别", REGION_LEVEL_CHOICES);
  add("管控对象状态", SUBJECT_STATUS_CHOICES);
  add("干部状态", CADRE_STATUS_CHOICES);
  add(
    "包保责任人",
    "可填多人，用“、”“，”或空格分隔；每人可写企业微信账号、手机号或姓名（姓名须在本乡镇干部中唯一）。",
  );
  add(
    "日期",
    "1990-01-01、1990/1/1、1990.1.1、1990年1月1日或 Excel 日期均可；不接受两位年份。出生日期、性别留空时按身份证号填写。",
  );
  add(
    "导入",
    "先试导入：npx baobao roster import 台账.xlsx --dry-run；有错误时加 --errors 错误.xlsx 导出被拒绝的行，改正后导入该文件即可。",
  );
  await wb.xlsx.writeFile(file);
}
