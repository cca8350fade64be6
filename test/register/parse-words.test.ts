/** The shared word tables for roles, categories and levels (cadre/subject commands and the import). */
import {
  categoryOf as parseCategory,
  levelOf as parseLevel,
  roleWords as parseRoles,
} from "../../src/register/cell-values";
import { idNumberFacts } from "../../src/register/id-number-facts";

describe("roles as townships write them", () => {
  it.each([
    ["村书记、网格员", ["village_leader", "guarantor"]],
    ["社区民警", ["police"]],
    ["精防医生,司法所", ["doctor", "justice"]],
    ["综治办主任", ["township_leader"]],
    ["村（社区）负责人", ["village_leader"]],
    ["guarantor / police", ["guarantor", "police"]],
    ["网格员 网格员", ["guarantor"]],
  ])("%s", (text, roles) => {
    expect(parseRoles(text)).toEqual({ ok: true, roles });
  });

  it("lists the words it does not understand", () => {
    expect(parseRoles("网格员、队长、会计")).toEqual({ ok: false, unknown: ["队长", "会计"] });
    expect(parseRoles(" ")).toEqual({ ok: false, unknown: [" "] });
  });
});

describe("categories and levels as townships write them", () => {
  it.each([
    ["精神病人", "mental_disorder"],
    ["严重精神障碍患者", "mental_disorder"],
    ["社区康复人员", "drug_rehab"],
    ["社区服刑人员", "community_correction"],
    ["刑释解教人员", "released_prisoner"],
    ["困境儿童", "left_behind_child"],
    ["特殊困难老年人", "elderly_alone"],
    ["重点青少年", "idle_youth"],
    ["信访人员", "petitioner"],
    ["petitioner", "petitioner"],
  ])("%s", (word, category) => {
    expect(parseCategory(word)).toBe(category);
  });

  it("reads levels within their category only", () => {
    expect(parseLevel("mental_disorder", "危险性评估3级")).toBe("risk3");
    expect(parseLevel("mental_disorder", "0级")).toBe("risk0");
    expect(parseLevel("mental_disorder", "6级")).toBeUndefined();
    expect(parseLevel("community_correction", "普管")).toBe("normal");
    expect(parseLevel("community_correction", "重点")).toBeUndefined();
    expect(parseLevel("drug_rehab", "高风险")).toBe("high");
    expect(parseLevel("elderly_alone", "重点")).toBe("key");
    expect(parseLevel("petitioner", "一般")).toBe("ordinary");
    expect(parseCategory("流动人口")).toBeUndefined();
  });
});

describe("what an ID number says", () => {
  it("gives the birth date and the gender (digit 17: odd male, even female)", () => {
    expect(idNumberFacts("11010519491231002X")).toEqual({ birthDate: "1949-12-31", gender: "female" });
    expect(idNumberFacts("42060219900307123X")).toEqual({ birthDate: "1990-03-07", gender: "male" });
    expect(idNumberFacts("11010519490231002X").birthDate).toBeNull();
  });
});
