/**
 * The register workbook's layout (register.md): its three sheets, their canonical headers in
 * template order, and the header variants townships write. `roster template`, `roster export` and
 * `roster import` all read this one table, so what export writes is what import reads.
 */

/** The three kinds of register sheet. */
export type RegisterSheetKind = "regions" | "cadres" | "subjects";

/** Canonical sheet names, and the looser names a sheet may carry. */
export const REGISTER_SHEETS: Readonly<
  Record<RegisterSheetKind, { name: string; aliases: readonly string[] }>
> = {
  regions: { name: "地区", aliases: ["地区", "区域", "村（社区）", "村社区", "行政区划", "地区列表"] },
  cadres: { name: "干部", aliases: ["干部", "包保干部", "包保人", "包保责任人", "人员", "工作人员"] },
  subjects: {
    name: "管控对象",
    aliases: ["管控对象", "特殊人群", "重点人群", "台账", "花名册", "人员台账", "对象"],
  },
};

/** One column of a register sheet: its field key, canonical header, and accepted header variants. */
export interface RegisterColumn {
  key: string;
  header: string;
  /** Variants compared after `normaliseHeader` (the canonical header is always accepted). */
  aliases: readonly string[];
  required: boolean;
}

const col = (
  key: string,
  header: string,
  aliases: readonly string[] = [],
  required = false,
): RegisterColumn => ({
  key,
  header,
  aliases,
  required,
});

/** Canonical columns per sheet, in template order. */
export const REGISTER_COLUMNS: Readonly<Record<RegisterSheetKind, readonly RegisterColumn[]>> = {
  regions: [
    col("code", "地区编码", ["编码", "区划代码", "行政区划代码", "代码"], true),
    col("name", "地区名称", ["名称", "地区", "村（社区）名称"], true),
    col("level", "级别", ["层级", "类型", "地区级别"], true),
    col("parentCode", "上级编码", ["上级地区编码", "上级代码", "父级编码"]),
  ],
  cadres: [
    col("name", "姓名", ["干部姓名", "包保人姓名"], true),
    col("userid", "企业微信账号", ["帐号", "账号", "企业微信帐号", "UserID", "userid", "企微账号"]),
    col("mobile", "手机号", ["手机", "手机号码", "联系电话", "联系方式", "电话"]),
    col("roles", "角色", ["职务", "身份", "岗位"], true),
    col("homeRegion", "所属地区", ["所在地区", "单位", "所属村（社区）", "所属单位"], true),
    col("scopeRegion", "管辖范围", ["负责范围", "辖区"]),
    col("status", "状态", ["在岗状态"]),
  ],
  subjects: [
    col("number", "编号", ["系统编号"]),
    col("name", "姓名", [], true),
    col("idNumber", "公民身份号码", ["身份证号", "身份证号码", "身份证", "证件号码"]),
    col("gender", "性别"),
    col("birthDate", "出生日期", ["出生年月", "出生年月日"]),
    col("phone", "联系电话", ["手机", "手机号", "手机号码", "联系方式", "电话"]),
    col("address", "现住址", ["住址", "家庭住址", "居住地址", "现居住地"]),
    col("township", "所属乡镇", ["乡镇", "镇", "乡镇（街道）", "街道"]),
    col("village", "所属村（社区）", ["村", "所属村", "所属社区", "村（社区）", "社区"], true),
    col("grid", "所属网格", ["网格"]),
    col("category", "人员类别", ["类别", "人员类型", "类型"], true),
    col("level", "管理等级", ["等级", "管理级别", "风险等级", "管控级别", "危险性评估等级"], true),
    col("guarantors", "包保责任人", ["包保人", "包保干部", "责任人"], true),
    col("department", "责任单位", ["主管单位", "负责单位"]),
    col("status", "状态", ["管控状态", "人员状态"]),
    col("notes", "备注", ["说明"]),
  ],
};

/** A row counter in real files; never an identifier. */
export const ROW_COUNTER_HEADERS: readonly string[] = ["序号"];

/**
 * Header text as compared: spaces removed (also full-width and non-breaking), full-width
 * brackets and letters unified with half-width, case folded.
 */
export function normaliseHeader(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\s\u3000\u00a0]+/g, "")
    .replace(/[（]/g, "(")
    .replace(/[）]/g, ")")
    .toLowerCase();
}
