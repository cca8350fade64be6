/**
 * The worksheets of an .xlsx file, row by row, without exceljs's streaming race.
 *
 * exceljs 4.4's `stream.xlsx.WorkbookReader` reads the zip in one streaming pass and parses
 * entries in stored order; exceljs itself stores `xl/workbook.xml` last, and under load the pass
 * can hand over worksheets before the workbook (or lose entries), so the same file reads one time
 * and fails ("Cannot read properties of undefined (reading 'sheets')") the next — exceljs#3064,
 * #1558; the fix (#3065) is not released. This opens the file through its central directory, as
 * that fix does, parses relationships, workbook, shared strings and styles first, then yields
 * each worksheet's reader in sheet order; rows are still streamed, never the whole workbook.
 */
import ExcelJS from "exceljs";
import { Open } from "unzipper";
import type { Readable } from "node:stream";
import { installExcelUtf8Fix } from "./exceljs-utf8";

/** The WorkbookReader methods this drives (checked at run time). */
interface ReaderInternals {
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(
    iterator: AsyncIterable<Buffer>,
    sheetNo: string,
  ): Generator<{ eventType: string; value: unknown }>;
}

/** A worksheet as exceljs's streaming reader gives it: a name and its rows. */
export type StreamedWorksheet = AsyncIterable<ExcelJS.Row> & { name: string };

const SHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;

export async function* readXlsxWorksheets(file: string): AsyncGenerator<StreamedWorksheet> {
  installExcelUtf8Fix();
  const directory = await Open.file(file);
  const byPath = new Map(directory.files.map((f) => [f.path, f]));
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: "emit",
    sharedStrings: "cache",
    styles: "cache",
    hyperlinks: "ignore",
    entries: "ignore",
  }) as unknown as ReaderInternals;
  for (const name of [
    "_parseRels",
    "_parseWorkbook",
    "_parseSharedStrings",
    "_parseStyles",
    "_parseWorksheet",
  ])
    if (typeof (reader as unknown as Record<string, unknown>)[name] !== "function")
      throw new Error("exceljs WorkbookReader internals changed: revisit src/register/xlsx-worksheets.ts");

  const workbook = byPath.get("xl/workbook.xml");
  if (!workbook) throw new Error("缺少 xl/workbook.xml");
  const rels = byPath.get("xl/_rels/workbook.xml.rels");
  if (rels) await reader._parseRels(rels.stream());
  await reader._parseWorkbook(workbook.stream());
  const shared = byPath.get("xl/sharedStrings.xml");
  if (shared) for await (const _ of reader._parseSharedStrings(shared.stream()));
  const styles = byPath.get("xl/styles.xml");
  if (styles) await reader._parseStyles(styles.stream());

  const sheets = directory.files
    .map((f) => ({ f, m: SHEET.exec(f.path) }))
    .filter((x): x is { f: (typeof directory.files)[number]; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]));
  for (const { f, m } of sheets) {
    for (const event of reader._parseWorksheet(f.stream() as AsyncIterable<Buffer>, m[1]!)) {
      if (event.eventType === "worksheet") yield event.value as StreamedWorksheet;
    }
  }
}
