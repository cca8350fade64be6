/**
 * readXlsxWorksheets: every worksheet of an exceljs-written file (worksheets stored before
 * sharedStrings.xml and workbook.xml, the order that races in exceljs's streaming reader), in
 * sheet order, with names from the workbook, shared strings resolved and rows streamed.
 */
import fs from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { readXlsxWorksheets } from "../../src/register/xlsx-worksheets";
import { makeTempDir } from "../helpers/temp-dir";

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(() => tmp.cleanup());

async function read(file: string, pause = false) {
  const sheets: { name: string; rows: unknown[][] }[] = [];
  for await (const ws of readXlsxWorksheets(file)) {
    const rows: unknown[][] = [];
    for await (const row of ws) {
      // A slow consumer: the streaming reader lost zip entries when its consumer awaited.
      if (pause) await new Promise((r) => setTimeout(r, 1));
      rows.push((row.values as unknown[]).slice(1));
    }
    sheets.push({ name: ws.name, rows });
  }
  return sheets;
}

it("reads all three sheets in order, names and shared strings included, also with a slow consumer", async () => {
  const file = path.join(tmp.dir, "台账.xlsx");
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet("地区").addRows([
    ["地区编码", "地区名称"],
    ["429901100201", "青山村"],
  ]);
  const cadres = wb.addWorksheet("干部");
  cadres.addRow(["姓名", "企业微信账号"]);
  for (let i = 0; i < 300; i++) cadres.addRow([`干部${i}`, `u${i}`]);
  wb.addWorksheet("管控对象").addRows([
    ["姓名", "人员类别"],
    ["张三", "严重精神障碍患者"],
  ]);
  await wb.xlsx.writeFile(file);

  for (const pause of [false, true]) {
    const sheets = await read(file, pause);
    expect(sheets.map((s) => s.name)).toEqual(["地区", "干部", "管控对象"]);
    expect(sheets[0]!.rows).toEqual([
      ["地区编码", "地区名称"],
      ["429901100201", "青山村"],
    ]);
    expect(sheets[1]!.rows).toHaveLength(301);
    expect(sheets[1]!.rows[300]).toEqual(["干部299", "u299"]);
    expect(sheets[2]!.rows[1]).toEqual(["张三", "严重精神障碍患者"]);
  }
});

it("a file that is not a zip is an error, not an empty workbook", async () => {
  const file = path.join(tmp.dir, "坏.xlsx");
  fs.writeFileSync(file, "不是表格");
  await expect(read(file)).rejects.toThrow();
});
