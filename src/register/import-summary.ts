/**
 * The Chinese summary of an import: counts per kind, errors grouped by type and column, then the
 * rejected rows one by one.
 */
import type { CountKind } from "./import-plan";
import type { ImportReport } from "./run-import";

const KIND_LABELS: Readonly<Record<CountKind, string>> = {
  regions: "地区",
  cadres: "干部",
  subjects: "管控对象",
  guarantees: "包保关系",
};

/** Short names of error codes for the grouped summary. */
const CODE_LABELS: Readonly<Record<string, string>> = {
  required: "必填项为空",
  id_number_numeric: "身份证号被存成数字",
  id_number_invalid: "身份证号格式不对",
  id_number_checksum: "身份证号校验位不对",
  id_number_conflict: "身份证号与系统记录不一致",
  phone_numeric: "电话被存成数字",
  phone_invalid: "电话格式不对",
  date_invalid: "日期无法识别",
  date_two_digit_year: "年份只有两位",
  gender_unknown: "性别无法识别",
  gender_conflict: "性别与身份证号不符",
  birth_date_conflict: "出生日期与身份证号不符",
  category_unknown: "人员类别无法识别",
  level_unknown: "管理等级无法识别",
  role_unknown: "角色无法识别",
  status_unknown: "状态无法识别",
  region_level_unknown: "地区级别无法识别",
  region_unknown: "地区不存在",
  region_ambiguous: "地区重名",
  region_mismatch: "地区不在所填乡镇之下",
  region_code_invalid: "地区编码格式不对",
  region_cycle: "上级地区循环",
  region_move: "地区上级与系统不一致",
  cadre_unknown: "包保责任人找不到",
  cadre_ambiguous: "包保责任人重名",
  cadre_inactive: "包保责任人已离岗",
  cadre_sole_guarantor: "干部离岗前需移交",
  cadre_conflict: "账号与手机号不一致",
  userid_invalid: "企业微信账号格式不对",
  subject_unknown: "编号不存在",
  duplicate_row: "重复的行",
};

export function codeLabel(code: string): string {
  return CODE_LABELS[code] ?? code;
}

export function formatImportSummary(report: ImportReport, file: string, errorsFile?: string): string {
  const lines: string[] = [];
  const rejectedRows = new Set(report.errors.map((e) => `${e.sheet}:${e.row}`)).size;
  if (report.dryRun) lines.push(`试导入（未写入任何数据）：${file}`);
  else if (report.applied) lines.push(`已导入：${file}`);
  else lines.push(`未导入：${file} 有 ${rejectedRows} 行有错误，为保证台账完整，本次没有写入任何数据。`);
  const verb = report.applied ? "" : "将";
  for (const kind of Object.keys(KIND_LABELS) as CountKind[]) {
    const c = report.counts[kind];
    if (c.created + c.updated + c.unchanged === 0) continue;
    lines.push(
      `  ${KIND_LABELS[kind]}：${verb}新增 ${c.created}，${verb}更新 ${c.updated}，无变化 ${c.unchanged}${report.applied || report.dryRun ? "" : "（仅有效行，均未写入）"}`,
    );
  }
  for (const w of report.warnings) lines.push(`提示：${w}`);
  if (report.errors.length > 0) {
    lines.push(`错误：${rejectedRows} 行被拒绝（共 ${report.errors.length} 处），按类型和列汇总：`);
    const groups = new Map<string, number>();
    for (const e of report.errors) {
      const key = `${codeLabel(e.code)}｜${e.sheet}·${e.column}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    for (const [key, n] of [...groups].sort((a, b) => b[1] - a[1])) lines.push(`  ${key}：${n} 处`);
    lines.push("逐行说明：");
    for (const e of report.errors) {
      lines.push(`  ${e.sheet} 第${e.row}行 ${e.column}${e.value ? `“${e.value}”` : ""}：${e.message}`);
    }
    if (errorsFile)
      lines.push(`被拒绝的行已写入 ${errorsFile}（含“行号”“错误原因”两列），改正后可直接导入该文件。`);
    else lines.push("加 --errors 错误.xlsx 可导出被拒绝的行，改正后直接导入该文件。");
    if (!report.applied && !report.dryRun) lines.push("如需先导入无误的行，可加 --partial。");
  }
  return lines.join("\n");
}
