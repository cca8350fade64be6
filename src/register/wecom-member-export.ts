/**
 * Reads the member list the WeCom admin console exports (通讯录 → 导出成员: 姓名, 帐号, 别名, 职务,
 * 部门, 性别, 手机, 座机, 个人邮箱, 地址, 企业邮箱, 激活状态…) through exceljs's streaming reader.
 * The console puts a title and notes block above the header; the header row is found by its text.
 */
import path from "node:path";
import type ExcelJS from "exceljs";
import { readXlsxWorksheets } from "./xlsx-worksheets";
import { normaliseHeader } from "./register-columns";
import { checkSpreadsheetFile, type SpreadsheetFileRules } from "./spreadsheet-file";

/** The file cannot be read as a member export at all; the message is for the operator. */
export class WecomExportError extends Error {
  readonly code = "wecom_export_invalid";
  constructor(message: string) {
    super(message);
    this.name = "WecomExportError";
  }
}

/** One member as exported. `departments` are paths such as 示范县/示范镇/青山村. */
export interface ExportedMember {
  /** The spreadsheet's own row number. */
  row: number;
  name: string;
  userid: string;
  /** Digits only, without +86; null when the cell is empty. */
  mobile: string | null;
  departments: string[];
  /** 激活状态 as written (已激活, 未激活, 已禁用…), or null without that column. */
  status: string | null;
}

export interface MemberExport {
  sheet: string;
  headerRow: number;
  members: ExportedMember[];
}

/** The header is looked for among the first rows (the console's notes come first). */
const HEADER_SCAN_ROWS = 20;

/** Header variants per field, compared after normaliseHeader. */
const HEADERS = {
  name: ["姓名", "成员姓名"],
  userid: ["帐号", "账号", "UserID", "userid", "企业微信账号", "企业微信帐号", "成员帐号", "成员账号"],
  mobile: ["手机", "手机号", "手机号码"],
  department: ["部门", "所在部门"],
  status: ["激活状态", "账号状态", "帐号状态", "状态"],
} as const;
type Field = keyof typeof HEADERS;
const FIELD_BY_HEADER = new Map<string, Field>(
  (Object.keys(HEADERS) as Field[]).flatMap((f) =>
    HEADERS[f].map((h) => [normaliseHeader(h), f] as [string, Field]),
  ),
);

/** A cell as text: rich text joined, formula results, numbers without exponent. */
function cellText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value.trim();
  if (typeof value === "number") return Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    if ("richText" in value)
      return value.richText
        .map((r) => r.text)
        .join("")
        .trim();
    if ("result" in value) return cellText(value.result as ExcelJS.CellValue);
    if ("text" in value) return String(value.text).trim();
  }
  return "";
}

/** Mobile digits without the +86 / 0086 prefix, or null. */
export function normaliseMobile(text: string | null | undefined): string | null {
  if (!text) return null;
  let digits = text.replace(/\D/g, "");
  if (digits.length === 13 && digits.startsWith("86")) digits = digits.slice(2);
  if (digits.length === 15 && digits.startsWith("0086")) digits = digits.slice(4);
  return digits === "" ? null : digits;
}

/** 部门 may list several departments (`;`, `；`, `,` or line breaks between them). */
function splitDepartments(text: string): string[] {
  return text
    .split(/[;；,，\n]+/)
    .map((d) => d.trim())
    .filter((d) => d !== "");
}

const MEMBER_EXPORT_RULES: SpreadsheetFileRules = {
  extensions: [".xlsx"],
  wrongExtension: (base) =>
    `只能读取企业微信管理后台导出的 .xlsx 文件（通讯录 → 导出成员）：${base}；其他格式请在 Excel 或 WPS 中另存为 .xlsx。`,
  tooLargeHint: "企业微信的成员导出不会这么大，请确认选对了文件。",
  error: (message) => new WecomExportError(message),
};

/** Reads the first sheet that carries a member header (姓名 and 帐号). */
export async function readWecomMemberExport(file: string): Promise<MemberExport> {
  checkSpreadsheetFile(file, MEMBER_EXPORT_RULES);
  const base = path.basename(file);
  let found: MemberExport | null = null;
  const missingUserid: number[] = [];
  try {
    // Through the central directory, with text decoded across chunks, as for the register.
    for await (const ws of readXlsxWorksheets(file)) {
      let columns: Partial<Record<Field, number>> | null = null;
      let headerRow = 0;
      let scanned = 0;
      const members: ExportedMember[] = [];
      for await (const row of ws) {
        // Drain every sheet (the streaming reader needs it), but keep only the first member sheet.
        if (found) continue;
        const values = Array.isArray(row.values) ? row.values : [];
        const cells = values.map((v) => cellText(v as ExcelJS.CellValue));
        if (!columns) {
          if (scanned++ >= HEADER_SCAN_ROWS) continue;
          const map: Partial<Record<Field, number>> = {};
          cells.forEach((c, i) => {
            const field = FIELD_BY_HEADER.get(normaliseHeader(c));
            if (field && map[field] === undefined) map[field] = i;
          });
          if (map.name !== undefined && map.userid !== undefined) {
            columns = map;
            headerRow = row.number;
          }
          continue;
        }
        const at = (f: Field) => (columns?.[f] === undefined ? "" : (cells[columns[f] as number] ?? ""));
        const name = at("name").replace(/[\s\u3000]+/g, "");
        const userid = at("userid");
        if (!name && !userid) continue;
        if (!userid) {
          missingUserid.push(row.number);
          continue;
        }
        members.push({
          row: row.number,
          name,
          userid,
          mobile: normaliseMobile(at("mobile")),
          departments: splitDepartments(at("department")),
          status: columns.status === undefined ? null : at("status") || null,
        });
      }
      if (!found && columns) found = { sheet: ws.name, headerRow, members };
    }
  } catch (err) {
    throw new WecomExportError(
      `无法读取 ${base}：文件已损坏或不是 Excel 文件（${err instanceof Error ? err.message : String(err)}）。`,
    );
  }
  if (!found)
    throw new WecomExportError(
      `${base} 中没有找到成员表头：应含“姓名”和“帐号”两列（企业微信管理后台 → 通讯录 → 导出成员）。`,
    );
  if (missingUserid.length > 0)
    throw new WecomExportError(
      `${base} 第 ${missingUserid.slice(0, 10).join("、")} 行没有帐号：请重新从企业微信管理后台导出完整的成员列表。`,
    );
  if (found.members.length === 0) throw new WecomExportError(`${base} 的表头下没有成员。`);
  return found;
}
