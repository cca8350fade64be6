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

/**
 * A workbook written row by row to `file` (exceljs's streaming writer): memory stays bounded
 * however many rows a county's or a city's register has.
 */
export function openWorkbookWriter(file: string): ExcelJS.stream.xlsx.WorkbookWriter {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = "包保助手";
  return workbook;
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
