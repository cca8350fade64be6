import fs from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { readWecomMemberExport } from "../../src/register/wecom-member-export";
import { makeTempDir } from "../helpers/temp-dir";

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(() => tmp.cleanup());

describe("the WeCom member export reader", () => {
  it("keeps every Chinese character of a large export (exceljs splits UTF-8 across zip chunks)", async () => {
    const file = path.join(tmp.dir, "成员.xlsx");
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
    const ws = wb.addWorksheet("成员列表");
    ws.addRow(["示范县 通讯录"]).commit();
    ws.addRow(["姓名", "帐号", "手机", "部门"]).commit();
    const rows = 20_000;
    for (let i = 0; i < rows; i++)
      ws.addRow([
        `成员${i}`,
        `u${i}`,
        `139${String(i).padStart(8, "0")}`,
        `示范县/示范镇/${i % 60}村`,
      ]).commit();
    ws.commit();
    await wb.commit();

    const read = await readWecomMemberExport(file);
    expect(read.headerRow).toBe(2);
    expect(read.members).toHaveLength(rows);
    const garbled = read.members.filter((m) => `${m.name}${m.departments.join("")}`.includes("\ufffd"));
    expect(garbled.map((m) => m.row)).toEqual([]);
    expect(read.members[rows - 1]).toMatchObject({
      name: `成员${rows - 1}`,
      departments: [`示范县/示范镇/${(rows - 1) % 60}村`],
    });
  });

  it("refuses an empty file, an old .xls and a renamed non-zip file in Chinese", async () => {
    const empty = path.join(tmp.dir, "空.xlsx");
    fs.writeFileSync(empty, "");
    await expect(readWecomMemberExport(empty)).rejects.toThrow("文件是空的：空.xlsx");
    const xls = path.join(tmp.dir, "旧.xls");
    fs.writeFileSync(xls, "x");
    await expect(readWecomMemberExport(xls)).rejects.toThrow("不支持旧版 .xls 格式");
    const renamed = path.join(tmp.dir, "改名.xlsx");
    fs.writeFileSync(renamed, "姓名,帐号\n");
    await expect(readWecomMemberExport(renamed)).rejects.toThrow("改名.xlsx 不是 Excel（.xlsx）文件");
    await expect(readWecomMemberExport(path.join(tmp.dir, "没有.xlsx"))).rejects.toThrow("找不到文件");
  });
});
