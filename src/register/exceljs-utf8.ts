/**
 * exceljs 4.4's streaming reader decodes every zip chunk on its own (utils/parse-sax.js →
 * browser-buffer-decode.js, a TextDecoder without `stream: true`), so a Chinese character whose
 * three UTF-8 bytes straddle two chunks becomes "��" (exceljs/exceljs#2063, #2084; the fixes,
 * #1665 and #2081, were never released). On a county's register that garbles a few names in every
 * thousand rows. This hands the reader text decoded across chunk boundaries instead (its decoder
 * passes strings through untouched), for the shared strings and for every worksheet.
 */
import { StringDecoder } from "node:string_decoder";
import ExcelJS from "exceljs";

async function* decodedUtf8(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    if (text) yield text;
  }
  const tail = decoder.end();
  if (tail) yield tail;
}

interface ReaderInternals {
  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<Buffer>, sheetNo: string): Generator<unknown>;
  __utf8Safe?: true;
}

/** Installs the fix once; checks that the methods it wraps still exist. */
export function installExcelUtf8Fix(): void {
  const proto = ExcelJS.stream.xlsx.WorkbookReader.prototype as unknown as ReaderInternals;
  if (proto.__utf8Safe) return;
  const sharedStrings = proto._parseSharedStrings;
  const worksheet = proto._parseWorksheet;
  if (typeof sharedStrings !== "function" || typeof worksheet !== "function")
    throw new Error("exceljs WorkbookReader internals changed: revisit src/register/exceljs-utf8.ts");
  proto._parseSharedStrings = function (this: ReaderInternals, entry) {
    // The zip entry is read through its 'data' events: a stream decoder joins split characters.
    entry.setEncoding("utf8");
    return sharedStrings.call(this, entry);
  };
  proto._parseWorksheet = function (this: ReaderInternals, iterator, sheetNo) {
    return worksheet.call(this, decodedUtf8(iterator) as unknown as AsyncIterable<Buffer>, sheetNo);
  };
  proto.__utf8Safe = true;
}
