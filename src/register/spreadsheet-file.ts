/**
 * The checks every spreadsheet a command reads goes through before a reader opens it: a file
 * that exists, is not empty or over the size limit, has an accepted extension, and (for .xlsx)
 * starts with the zip signature. Each check fails with a sentence for the operator.
 */
import fs from "node:fs";
import path from "node:path";

export const MAX_SPREADSHEET_BYTES = 50 * 1024 * 1024;

export interface SpreadsheetFileRules {
  /** Accepted extensions, lower case with the dot (".xlsx", ".csv"). */
  extensions: readonly string[];
  /** The sentence for any other extension. */
  wrongExtension: (base: string, ext: string) => string;
  /** What to do with a file over the limit (appended to the size). */
  tooLargeHint: string;
  /** The caller's error type. */
  error: (message: string) => Error;
}

/** Checks `file`; returns its extension (lower case) or throws `rules.error(…)`. */
export function checkSpreadsheetFile(file: string, rules: SpreadsheetFileRules): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw rules.error(`找不到文件：${file}`);
  }
  if (!stat.isFile()) throw rules.error(`不是文件：${file}`);
  const size = stat.size;
  const base = path.basename(file);
  const ext = path.extname(file).toLowerCase();
  if (size === 0) throw rules.error(`文件是空的：${base}`);
  if (size > MAX_SPREADSHEET_BYTES)
    throw rules.error(`文件过大（${(size / 1024 / 1024).toFixed(1)} MB，上限 50 MB）：${rules.tooLargeHint}`);
  if (ext === ".xls" || ext === ".et" || ext === ".wps")
    throw rules.error(`不支持旧版 ${ext} 格式：请在 Excel 或 WPS 中“另存为” .xlsx 后再导入。`);
  if (!rules.extensions.includes(ext)) throw rules.error(rules.wrongExtension(base, ext));
  if (ext === ".xlsx") {
    const fd = fs.openSync(file, "r");
    const magic = Buffer.alloc(2);
    fs.readSync(fd, magic, 0, 2, 0);
    fs.closeSync(fd);
    if (magic.toString("latin1") !== "PK")
      throw rules.error(
        `${base} 不是 Excel（.xlsx）文件，可能是改了扩展名的其他文件；请在 Excel 或 WPS 中另存为 .xlsx。`,
      );
  }
  return ext;
}
