import path from "node:path";
import ExcelJS from "exceljs";
import { readRegisterFile } from "../../src/register/sheet-reader";
import { makeTempDir } from "../helpers/temp-dir";

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(() => tmp.cleanup());

describe("the register reader", () => {
  it("keeps every Chinese character of a large workbook (exceljs splits UTF-8 across zip chunks)", async () => {
    const file = path.join(tmp.dir, "large.xlsx");
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
    const ws = wb.addWorksheet("特殊人群");
    ws.addRow(["某镇特殊人群台账"]).commit();
    ws.addRow(["序号", "姓名", "所属村（社区）", "人员类别", "管理等级", "包保责任人", "现住址"]).commit();
    const rows = 20_000;
    for (let i = 0; i < rows; i++)
      ws.addRow([
        i + 1,
        `人员${i}`,
        `${i % 60}村`,
        "独居老人",
        "一般",
        `干部${i % 300}`,
        `青山村${i}组${i}号`,
      ]).commit();
    ws.commit();
    await wb.commit();

    const read = await readRegisterFile(file);
    const [sheet] = read.sheets;
    expect(sheet?.headerRow).toBe(2);
    expect(sheet?.rows).toHaveLength(rows);
    const garbled = (sheet?.rows ?? []).filter((r) =>
      r.original.some((c) => typeof c === "string" && c.includes("\ufffd")),
    );
    expect(garbled.map((r) => r.row)).toEqual([]);
    expect(sheet?.rows[rows - 1]?.cells).toMatchObject({
      name: `人员${rows - 1}`,
      address: `青山村${rows - 1}组${rows - 1}号`,
    });
  });
});
