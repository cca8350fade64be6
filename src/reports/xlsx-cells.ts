import fs from "node:fs";
import ExcelJS from "exceljs";
import { zoneOf } from "../domain/local-date";

/**
 * Pieces every workbook Baobao writes shares: the header row's look, local times as text, the
 * visit outcome words, and text cells that Excel keeps as typed (ID numbers, phones, codes).
 */

/** Visit outcomes (VisitOutcome) as the exports write them. */
export const OUTCOME_LABELS = { normal: "正常", abnormal: "异常", not_met: "未见到" } as const;

/** Excel's "text" number format: what the cell holds is kept as typed, never read as a number. */
export const TEXT_FORMAT = "@";

/** Bold header on a light fill, vertically centred. */
export function styleHeaderRow(row: ExcelJS.Row): void {
  row.font = { bold: true };
  row.alignment = { vertical: "middle" };
  row.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFE8EEF7" } };
}

/** The instant as local `YYYY-MM-DD HH:MM` in `tz` ("" for none). */
export function localTime(at: Date | null, tz: string): string {
  if (!at) return "";
  const zone = zoneOf(tz);
  const day = zone.dayNumberAt(at);
  const minutes = Math.floor((at.getTime() - zone.startOfDay(day).getTime()) / 60_000);
  return `${zone.localDateAt(at)} ${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** One column of a streamed sheet; `text` columns are Excel text cells (`@`). */
export interface SheetColumn {
  header: string;
  width: number;
  text?: boolean;
}

/** A streamed workbook and the file it goes to. */
export interface WorkbookFile {
  workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  /** Throws the file's write error, if any (call between pages: stop reading early). */
  check(): void;
  /** Commits the workbook and resolves once the file is written; rejects on a write error. */
  finish(): Promise<void>;
}

/**
 * A workbook written row by row to `file` (exceljs's streaming writer): memory stays bounded
 * however many rows a county's or a city's register has. A write error (no permission, disk
 * full) rejects `finish` instead of leaving the commit waiting forever.
 */
export function openWorkbookFile(file: string): WorkbookFile {
  const stream = fs.createWriteStream(file);
  let error: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    stream.on("error", (err) => {
      error = err;
      reject(err);
    });
  });
  failed.catch(() => undefined);
  const closed = new Promise<void>((resolve) => stream.on("close", () => resolve()));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = "包保助手";
  return {
    workbook,
    check() {
      if (error) throw error;
    },
    async finish() {
      await Promise.race([workbook.commit(), failed]);
      await Promise.race([closed, failed]);
      if (error) throw error;
    },
  };
}

/**
 * Adds a streamed sheet: an optional merged title row, then the header row (styled, frozen),
 * column widths, and the text format on `text` columns. Rows are added with `addRow` and
 * committed by the caller.
 */
export function addStreamedSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: readonly SheetColumn[],
  opts: { title?: string } = {},
): ExcelJS.Worksheet {
  const headerRow = opts.title ? 2 : 1;
  const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: headerRow }] });
  sheet.columns = columns.map((c, i) => ({
    key: `c${i}`,
    width: c.width,
    ...(c.text ? { style: { numFmt: TEXT_FORMAT } } : {}),
  }));
  if (opts.title) {
    const title = sheet.addRow([opts.title]);
    title.font = { bold: true, size: 14 };
    title.alignment = { horizontal: "center", vertical: "middle" };
    title.height = 28;
    sheet.mergeCells(1, 1, 1, columns.length);
    title.commit();
  }
  const header = sheet.addRow(columns.map((c) => c.header));
  styleHeaderRow(header);
  header.commit();
  return sheet;
}
