import {
  isProblem,
  parseCategory,
  parseDate,
  parseIdNumber,
  parseLevel,
  parsePhone,
  parseRoles,
  parseSubjectStatus,
  splitList,
} from "../../src/register/cell-values";
import { decodeCsv, parseCsv } from "../../src/register/sheet-reader";
import iconv from "iconv-lite";

const code = (v: unknown) => (isProblem(v as never) ? (v as { code: string }).code : v);

describe("register cell values", () => {
  it("categories as townships write them", () => {
    expect(parseCategory("精神病人")).toBe("mental_disorder");
    expect(parseCategory("社区康复人员")).toBe("drug_rehab");
    expect(parseCategory("社区服刑人员")).toBe("community_correction");
    expect(parseCategory("安置帮教对象")).toBe("released_prisoner");
    expect(parseCategory("困境儿童")).toBe("left_behind_child");
    expect(parseCategory("特殊困难老年人")).toBe("elderly_alone");
    expect(parseCategory("重点青少年")).toBe("idle_youth");
    expect(parseCategory("信访人员")).toBe("petitioner");
    const bad = parseCategory("五保户");
    expect(code(bad)).toBe("category_unknown");
    expect(isProblem(bad) && bad.message).toContain("严重精神障碍患者");
  });

  it("levels per category, and a level that does not fit lists the allowed ones", () => {
    expect(parseLevel("mental_disorder", "危险性评估3级")).toBe("risk3");
    expect(parseLevel("mental_disorder", 0)).toBe("risk0");
    expect(parseLevel("mental_disorder", "5级")).toBe("risk5");
    expect(parseLevel("community_correction", "严管")).toBe("strict");
    expect(parseLevel("drug_rehab", "中风险")).toBe("medium");
    expect(parseLevel("petitioner", "重点")).toBe("key");
    expect(parseLevel("released_prisoner", "一般")).toBe("ordinary");
    const bad = parseLevel("community_correction", "高风险");
    expect(isProblem(bad) && bad.message).toContain("严管、普管、宽管");
    expect(code(parseLevel("mental_disorder", "6级"))).toBe("level_unknown");
  });

  it("roles from positions", () => {
    expect(parseRoles("村支书、网格员")).toEqual(["village_leader", "guarantor"]);
    expect(parseRoles("社区民警")).toEqual(["police"]);
    expect(parseRoles("精防医生")).toEqual(["doctor"]);
    expect(parseRoles("司法所")).toEqual(["justice"]);
    expect(parseRoles("禁毒专干")).toEqual(["drug_control"]);
    expect(parseRoles("儿童主任")).toEqual(["civil_affairs"]);
    expect(parseRoles("综治办主任")).toEqual(["township_leader"]);
    expect(parseRoles("县综治中心")).toEqual(["county_admin"]);
    expect(code(parseRoles("厨师"))).toBe("role_unknown");
  });

  it("ID numbers: checksum, numeric cells, birth date and gender", () => {
    expect(parseIdNumber("420602199001011233")).toEqual({
      id: "420602199001011233",
      birthDate: "1990-01-01",
      gender: "male",
    });
    expect(code(parseIdNumber("420602199001011234"))).toBe("id_number_checksum");
    expect(code(parseIdNumber(Number("420602199001011233")))).toBe("id_number_numeric");
    expect(code(parseIdNumber("4.20602E+17"))).toBe("id_number_numeric");
    expect(code(parseIdNumber("42060219900101"))).toBe("id_number_invalid");
  });

  it("dates in every written form; two-digit years rejected", () => {
    for (const v of [
      "1990-01-05",
      "1990/1/5",
      "1990.1.5",
      "1990年1月5日",
      new Date(Date.UTC(1990, 0, 5)),
      32878,
    ])
      expect(parseDate(v, "出生日期")).toBe("1990-01-05");
    expect(code(parseDate("90-1-5", "出生日期"))).toBe("date_two_digit_year");
    expect(code(parseDate("1990-02-30", "出生日期"))).toBe("date_invalid");
  });

  it("phones as text; a numeric mobile only when exact", () => {
    expect(parsePhone(13900000001, "手机")).toBe("13900000001");
    expect(parsePhone("0710-1234567", "手机")).toBe("0710-1234567");
    expect(code(parsePhone(1.39e11, "手机"))).toBe("phone_numeric");
    expect(code(parsePhone("12345", "手机"))).toBe("phone_invalid");
  });

  it("statuses and lists", () => {
    expect(parseSubjectStatus("死亡")).toEqual({ status: "closed", reason: "死亡" });
    expect(parseSubjectStatus(null)).toEqual({ status: "active" });
    expect(code(parseSubjectStatus("失联"))).toBe("status_unknown");
    expect(splitList("王丽、李四，赵敏,周 吴/郑")).toEqual(["王丽", "李四", "赵敏", "周", "吴", "郑"]);
  });

  it("CSV: UTF-8 with or without BOM, GBK, quoted fields", () => {
    const text = '姓名,备注\n张三,"住院, 出院""后""\n复查"\n';
    expect(decodeCsv(Buffer.from(`\ufeff${text}`))).toBe(text);
    expect(decodeCsv(Buffer.from(text))).toBe(text);
    expect(decodeCsv(iconv.encode(text, "gbk"))).toBe(text);
    expect([...parseCsv(text)]).toEqual([
      ["姓名", "备注"],
      ["张三", '住院, 出院"后"\n复查'],
    ]);
  });
});
