/**
 * Reads a register file (.xlsx through exceljs's streaming reader, or .csv in UTF-8 or
 * GB18030/GBK) into sheets of raw rows: the header row is found by its text (below any merged
 * title rows), columns are mapped by normalised header, 序号 is dropped and unknown columns are
 * kept out (listed so the summary can warn about them).
 */
import fs from "node:fs";
import path from "node:path";
import type ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { readXlsxWorksheets } from "./xlsx-worksheets";
import { checkSpreadsheetFile, type SpreadsheetFileRules } from "./spreadsheet-file";
import {
  normaliseHeader,
  REGISTER_COLUMNS,
  REGISTER_SHEETS,
  type RegisterColumn,
  type RegisterSheetKind,
  ROW_COUNTER_HEADERS,
} from "./register-columns";

/** A file the reader refuses as a whole; the message is for the operator. */
export class RegisterFileError extends Error {
  readonly code = "register_file_invalid";
  constructor(message: string) {
    super(message);
    this.name = "RegisterFileError";
  }
}

/** Header rows are looked for among the first rows of a sheet (title rows come first). */
const HEADER_SCAN_ROWS = 15;

/** A cell as read: text, a number, a date cell, a boolean, or empty. */
export type RawCell = string | number | boolean | Date | null;

/** One data row: its spreadsheet row number, its cells by column key, and every cell as read. */
export interface RawRow {
  row: number;
  cells: Partial<Record<string, RawCell>>;
  original: RawCell[];
}

/** A mapped column of the file: where it is, what it means, and its header as written. */
export interface MappedColumn {
  index: number;
  key: string;
  header: string;
}

export interface ReadSheet {
  name: string;
  kind: RegisterSheetKind;
  headerRow: number;
  /** Every header cell of the header row, as written (for the error workbook). */
  headers: string[];
  columns: MappedColumn[];
  /** Headers that are neither a register column nor a row counter. */
  extraHeaders: string[];
  rows: RawRow[];
}

export interface ReadResult {
  sheets: ReadSheet[];
  /** Sheets skipped because no register header was found in them. */
  skipped: string[];
}

/** Columns the error workbook adds; ignored when that workbook is imported again. */
export const ERROR_COLUMNS = { row: "行号", reason: "错误原因" } as const;
const IGNORED_HEADERS = new Set(
  [...ROW_COUNTER_HEADERS, ERROR_COLUMNS.row, ERROR_COLUMNS.reason].map(normaliseHeader),
);
/** A workbook's explanation sheet (the template's 说明) is never data. */
const NOTE_SHEETS = new Set(["说明", "填表说明", "填写说明"].map(normaliseHeader));

const headerIndex = new Map<RegisterSheetKind, Map<string, RegisterColumn>>(
  (Object.keys(REGISTER_COLUMNS) as RegisterSheetKind[]).map((kind) => [
    kind,
    new Map(
      REGISTER_COLUMNS[kind].flatMap((c) =>
        [c.header, ...c.aliases].map((h) => [normaliseHeader(h), c] as [string, RegisterColumn]),
      ),
    ),
  ]),
);

/** Plain text or value of an exceljs cell value. */
function plainCell(value: ExcelJS.CellValue | undefined): RawCell {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value.trim() === "" ? null : value;
  if (typeof value === "number" || typeof value === "boolean" || value instanceof Date) return value;
  if (typeof value === "object") {
    if ("richText" in value) return plainCell(value.richText.map((r) => r.text).join(""));
    if ("formula" in value || "sharedFormula" in value) {
      const result = (value as { result?: unknown }).result;
      if (
        result === undefined ||
        (typeof result === "object" && result !== null && !(result instanceof Date))
      )
        return null;
      return plainCell(result as ExcelJS.CellValue);
    }
    if ("text" in value) return plainCell(String((value as { text: unknown }).text));
    if ("error" in value) return null;
  }
  return String(value);
}

export function cellText(cell: RawCell | undefined): string {
  if (cell === null || cell === undefined) return "";
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  return String(cell).trim();
}

interface HeaderGuess {
  kind: RegisterSheetKind;
  columns: MappedColumn[];
  extraHeaders: string[];
  score: number;
}

function sheetKindByName(name: string): RegisterSheetKind | null {
  const n = normaliseHeader(name);
  for (const kind of Object.keys(REGISTER_SHEETS) as RegisterSheetKind[]) {
    if (REGISTER_SHEETS[kind].aliases.some((a) => normaliseHeader(a) === n)) return kind;
  }
  return null;
}

/** The sheet kind and mapping a row would have as a header row, or null when it is not one. */
function guessHeader(cells: RawCell[], preferred: RegisterSheetKind | null): HeaderGuess | null {
  let best: HeaderGuess | null = null;
  for (const kind of Object.keys(REGISTER_COLUMNS) as RegisterSheetKind[]) {
    const index = headerIndex.get(kind);
    if (!index) continue;
    const columns: MappedColumn[] = [];
    const extraHeaders: string[] = [];
    const seen = new Set<string>();
    cells.forEach((cell, i) => {
      const header = cellText(cell);
      if (!header) return;
      const n = normaliseHeader(header);
      if (IGNORED_HEADERS.has(n)) return;
      const column = index.get(n);
      if (column && !seen.has(column.key)) {
        seen.add(column.key);
        columns.push({ index: i, key: column.key, header });
      } else extraHeaders.push(header);
    });
    const required = REGISTER_COLUMNS[kind].filter((c) => c.required);
    const requiredFound = required.filter((c) => seen.has(c.key)).length;
    // Ranked by the required columns found, then all columns; the sheet's name breaks ties.
    const score = requiredFound * 100 + columns.length * 2 + (kind === preferred ? 1 : 0);
    if (columns.length >= 2 && (!best || score > best.score)) best = { kind, columns, extraHeaders, score };
  }
  return best;
}

/** Builds a sheet from its rows (arrays of cells, 1-based row numbers), or null without a header. */
class SheetCollector {
  private header: (HeaderGuess & { row: number; headers: string[] }) | null = null;
  private readonly rows: RawRow[] = [];
  private scanned = 0;
  constructor(
    readonly name: string,
    private readonly onRow?: () => void,
  ) {}

  add(rowNumber: number, cells: RawCell[]): void {
    if (!this.header) {
      if (this.scanned++ >= HEADER_SCAN_ROWS) return;
      const guess = guessHeader(cells, sheetKindByName(this.name));
      if (guess) this.header = { ...guess, row: rowNumber, headers: cells.map((c) => cellText(c)) };
      return;
    }
    if (cells.every((c) => c === null)) return;
    const mapped: Partial<Record<string, RawCell>> = {};
    for (const c of this.header.columns) mapped[c.key] = cells[c.index] ?? null;
    this.rows.push({ row: rowNumber, cells: mapped, original: cells });
    this.onRow?.();
  }

  finish(): ReadSheet | null {
    if (!this.header) return null;
    return {
      name: this.name,
      kind: this.header.kind,
      headerRow: this.header.row,
      headers: this.header.headers,
      columns: this.header.columns,
      extraHeaders: this.header.extraHeaders,
      rows: this.rows,
    };
  }
}

const REGISTER_FILE_RULES: SpreadsheetFileRules = {
  extensions: [".xlsx", ".csv"],
  wrongExtension: (base) => `只能导入 .xlsx 或 .csv 文件：${base}`,
  tooLargeHint: "请按乡镇拆分为几个文件分别导入。",
  error: (message) => new RegisterFileError(message),
};

/** Reads `file`; throws RegisterFileError when it cannot be read as a register at all. */
export async function readRegisterFile(file: string, onRow?: () => void): Promise<ReadResult> {
  const ext = checkSpreadsheetFile(file, REGISTER_FILE_RULES);
  const collectors = ext === ".csv" ? [readCsv(file, onRow)] : await readXlsx(file, onRow);
  const sheets: ReadSheet[] = [];
  const skipped: string[] = [];
  for (const c of collectors) {
    const sheet = c.finish();
    if (sheet) sheets.push(sheet);
    else if (!NOTE_SHEETS.has(normaliseHeader(c.name))) skipped.push(c.name);
  }
  if (sheets.length === 0) {
    throw new RegisterFileError(
      `${path.basename(file)} 中没有找到台账表头（${skipped.length ? `工作表：${skipped.join("、")}` : "文件没有内容"}）。` +
        "表头应含“姓名、公民身份号码、所属村（社区）、人员类别、管理等级、包保责任人”等列；" +
        "可用 npx baobao roster template --out 台账模板.xlsx 生成模板对照。",
    );
  }
  return { sheets, skipped };
}

async function readXlsx(file: string, onRow?: () => void): Promise<SheetCollector[]> {
  const collectors: SheetCollector[] = [];
  try {
    for await (const ws of readXlsxWorksheets(file)) {
      const collector = new SheetCollector(ws.name, onRow);
      collectors.push(collector);
      for await (const row of ws) {
        const values = Array.isArray(row.values) ? row.values : [];
        // exceljs rows are 1-based: values[0] is empty.
        const cells: RawCell[] = [];
        for (let i = 1; i < values.length; i++) cells.push(plainCell(values[i]));
        collector.add(row.number, cells);
      }
    }
  } catch (err) {
    throw new RegisterFileError(
      `无法读取 ${path.basename(file)}：文件已损坏或不是 Excel 文件（${err instanceof Error ? err.message : String(err)}）。`,
    );
  }
  return collectors;
}

/** UTF-8 (with or without BOM) when the bytes are valid UTF-8, otherwise GB18030 (which covers GBK). */
export function decodeCsv(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString("utf8");
  if (bytes.includes(0)) throw new RegisterFileError("CSV 文件含有二进制内容，不是文本表格。");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(bytes, "gb18030");
  }
}

function readCsv(file: string, onRow?: () => void): SheetCollector {
  const text = decodeCsv(fs.readFileSync(file));
  const collector = new SheetCollector(path.basename(file, path.extname(file)), onRow);
  let rowNumber = 0;
  for (const fields of parseCsv(text)) {
    rowNumber++;
    collector.add(
      rowNumber,
      fields.map((f) => (f.trim() === "" ? null : f)),
    );
  }
  return collector;
}

/** RFC 4180 records: quoted fields may hold separators, quotes ("") and line breaks. */
export function* parseCsv(text: string): Generator<string[]> {
  const sep = detectSeparator(text);
  let field = "";
  let fields: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === sep) {
      fields.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      fields.push(field);
      yield fields;
      fields = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || fields.length > 0) {
    fields.push(field);
    yield fields;
  }
}

/** Comma, or tab / semicolon when the first line has more of those. */
function detectSeparator(text: string): string {
  const first = text.slice(0, text.search(/\r|\n/) === -1 ? text.length : text.search(/\r|\n/));
  const counts = [",", "\t", ";"].map((s) => [s, first.split(s).length] as const);
  return counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}
