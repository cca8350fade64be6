/**
 * Register cell values as townships write them: categories, levels, roles, region levels and
 * statuses in words, ID numbers (GB 11643), phones, dates. Each parser returns the value or a
 * `CellProblem` whose message says what would be right.
 */
import type { CadreRole, Gender, RegionLevel } from "../generated/prisma/client";
import { CATEGORIES, type Category, isValidLevel, listLevels } from "../domain/categories";
import {
  CADRE_ROLE_LABELS,
  CATEGORY_FULL_LABELS,
  CATEGORY_LABELS,
  LEVEL_LABELS,
  SUBJECT_STATUS_LABELS,
} from "../domain/labels";
import { dayNumberOfYmd, formatDayNumber, type LocalDate, ymdOf } from "../domain/local-date";
import { IdNumberError, normaliseIdNumber } from "../store/id-cipher";
import { cellText, type RawCell } from "./sheet-reader";

export interface CellProblem {
  problem: true;
  code: string;
  message: string;
}

export type Parsed<T> = T | CellProblem;

export const isProblem = <T>(v: Parsed<T>): v is CellProblem =>
  typeof v === "object" && v !== null && (v as CellProblem).problem === true;

const problem = (code: string, message: string): CellProblem => ({ problem: true, code, message });

/** Words compared without spaces, brackets or punctuation. */
const squash = (s: string) => s.normalize("NFKC").replace(/[\s()（）【】[\]·、，,.。:：\-—_/]+/g, "");

// ── categories ──────────────────────────────────────────────────────────────────────────────
const CATEGORY_WORDS: Readonly<Record<Category, readonly string[]>> = {
  mental_disorder: [
    "严重精神障碍患者",
    "严重精神障碍",
    "精神障碍患者",
    "精神障碍",
    "精神病人",
    "精神病患者",
    "精神病",
    "精神病人员",
  ],
  drug_rehab: [
    "吸毒人员",
    "社区戒毒人员",
    "社区康复人员",
    "社区戒毒社区康复人员",
    "社区戒毒康复人员",
    "戒毒人员",
    "涉毒人员",
    "社区戒毒",
    "社区康复",
  ],
  community_correction: ["社区矫正对象", "社区矫正人员", "社区服刑人员", "社区矫正", "矫正对象", "矫正人员"],
  released_prisoner: ["刑满释放人员", "刑释解教人员", "安置帮教对象", "安置帮教人员", "刑满释放", "刑释人员"],
  left_behind_child: [
    "留守儿童",
    "困境儿童",
    "农村留守儿童",
    "留守困境儿童",
    "农村留守儿童和困境儿童",
    "留守儿童和困境儿童",
  ],
  elderly_alone: [
    "空巢老人",
    "独居老人",
    "特殊困难老年人",
    "独居空巢老人",
    "空巢独居老人",
    "留守老人",
    "独居老年人",
  ],
  idle_youth: ["闲散青少年", "重点青少年", "社会闲散青少年", "重点青少年群体"],
  petitioner: ["重点信访人员", "信访人员", "重点上访人员", "上访人员", "信访重点人员"],
};

const categoryByWord = new Map<string, Category>(
  CATEGORIES.flatMap((c) =>
    [c, CATEGORY_LABELS[c], CATEGORY_FULL_LABELS[c], ...CATEGORY_WORDS[c]].map(
      (w) => [squash(w).toLowerCase(), c] as [string, Category],
    ),
  ),
);

export const CATEGORY_CHOICES = CATEGORIES.map((c) => CATEGORY_FULL_LABELS[c]).join("、");

/** The category of a word or code (`精神病人`, `petitioner`); undefined when not understood. */
export function categoryOf(word: string): Category | undefined {
  return categoryByWord.get(squash(word).toLowerCase());
}

export function parseCategory(cell: RawCell | undefined): Parsed<Category> {
  const text = cellText(cell);
  const found = categoryOf(text);
  if (found) return found;
  return problem("category_unknown", `人员类别“${text}”无法识别；可填：${CATEGORY_CHOICES}`);
}

// ── levels ──────────────────────────────────────────────────────────────────────────────────
const LEVEL_WORDS: Readonly<Record<string, string>> = {
  严管: "strict",
  严格管理: "strict",
  普管: "normal",
  普通管理: "normal",
  宽管: "lenient",
  宽松管理: "lenient",
  高风险: "high",
  高: "high",
  高危: "high",
  中风险: "medium",
  中: "medium",
  低风险: "low",
  低: "low",
  重点: "key",
  重点人员: "key",
  重点关注: "key",
  一般: "ordinary",
  一般人员: "ordinary",
  普通: "ordinary",
  一般关注: "ordinary",
};

export function levelChoices(category: Category): string {
  return listLevels(category)
    .map((l) => l.label)
    .join("、");
}

/** The level code of a word within a category (`危险性评估3级` → `risk3`); undefined when unknown. */
export function levelOf(category: Category, text: string): string | undefined {
  const word = squash(text).toLowerCase();
  let code: string | undefined;
  if (category === "mental_disorder") {
    // 3 / 3级 / 危险性评估3级 / 风险3级 / 三级.
    const digits = word.replace(/^(危险性评估|危险性|风险评估|风险|评估)/, "").replace(/级$/, "");
    const chinese = "零一二三四五".indexOf(digits);
    const n = /^[0-5]$/.test(digits) ? Number(digits) : chinese >= 0 && digits.length === 1 ? chinese : -1;
    if (n >= 0) code = `risk${n}`;
  }
  code ??= LEVEL_WORDS[word];
  if (!code) {
    const labels = LEVEL_LABELS[category];
    code = Object.keys(labels).find((k) => k === word || squash(labels[k] ?? "") === word);
  }
  return code && isValidLevel(category, code) ? code : undefined;
}

export function parseLevel(category: Category, cell: RawCell | undefined): Parsed<string> {
  const text = cellText(cell);
  const code = levelOf(category, text);
  if (code) return code;
  return problem(
    "level_unknown",
    `管理等级“${text}”不适用于${CATEGORY_FULL_LABELS[category]}；可填：${levelChoices(category)}`,
  );
}

// ── roles ───────────────────────────────────────────────────────────────────────────────────
/** Positions and words → role, besides the labels (CADRE_ROLE_LABELS) and the codes. */
const ROLE_WORDS: Readonly<Record<CadreRole, readonly string[]>> = {
  guarantor: [
    "网格员",
    "包保干部",
    "包保人",
    "包保责任人",
    "专职网格员",
    "兼职网格员",
    "村干部",
    "社区干部",
    "干部",
    "驻村干部",
    "包村干部",
    "村委委员",
    "村两委",
    "联户干部",
    "乡镇干部",
    "镇干部",
    "网格长",
    "包保",
  ],
  village_leader: [
    "村书记",
    "村支书",
    "村党支部书记",
    "支部书记",
    "村主任",
    "村委会主任",
    "社区书记",
    "社区主任",
    "社区党委书记",
    "村负责人",
    "社区负责人",
    "村（社区）负责人",
    "村（社区）书记",
  ],
  township_leader: [
    "镇长",
    "乡长",
    "书记",
    "镇党委书记",
    "乡党委书记",
    "副镇长",
    "副乡长",
    "综治办主任",
    "综治中心主任",
    "政法委员",
    "乡镇领导",
    "镇领导",
    "街道办主任",
    "镇综治办",
    "综治办",
  ],
  county_admin: ["县综治中心", "县综治办", "县委政法委", "县级管理员", "县管理员", "管理员"],
  police: ["社区民警", "民警", "派出所", "派出所民警", "辅警", "警察", "片警", "公安"],
  doctor: ["精防医生", "村医", "乡村医生", "医生", "卫生院", "精防人员", "家庭医生", "卫健"],
  justice: ["司法所", "司法所长", "司法所工作人员", "司法助理员", "司法", "矫正工作人员"],
  civil_affairs: ["民政", "儿童主任", "儿童督导员", "民政专干", "民政所"],
  drug_control: ["禁毒办", "禁毒专干", "禁毒社工", "禁毒"],
  volunteer: ["志愿者", "社工"],
  teacher: ["教师", "老师", "班主任"],
};

const roleByWord = new Map<string, CadreRole>(
  (Object.keys(ROLE_WORDS) as CadreRole[]).flatMap((r) =>
    [r, CADRE_ROLE_LABELS[r], ...ROLE_WORDS[r]].map(
      (w) => [squash(w).toLowerCase(), r] as [string, CadreRole],
    ),
  ),
);

export const ROLE_CHOICES = (Object.keys(ROLE_WORDS) as CadreRole[])
  .map((r) => `${CADRE_ROLE_LABELS[r]}（${ROLE_WORDS[r].slice(0, 3).join("/")}）`)
  .join("、");

/** Splits a cell listing several names or words: 、，, / ； and spaces. */
export function splitList(text: string): string[] {
  return text
    .split(/[、，,/／;；\s\u3000]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export type RoleWords = { ok: true; roles: CadreRole[] } | { ok: false; unknown: string[] };

/** `村书记、网格员` → the distinct roles in order; otherwise the words not understood. */
export function roleWords(text: string): RoleWords {
  const roles: CadreRole[] = [];
  const unknown: string[] = [];
  for (const w of splitList(text)) {
    const role = roleByWord.get(squash(w).toLowerCase());
    if (!role) unknown.push(w);
    else if (!roles.includes(role)) roles.push(role);
  }
  if (unknown.length > 0) return { ok: false, unknown };
  return roles.length > 0 ? { ok: true, roles } : { ok: false, unknown: [text] };
}

export function parseRoles(cell: RawCell | undefined): Parsed<CadreRole[]> {
  const parsed = roleWords(cellText(cell));
  if (parsed.ok) return parsed.roles;
  const [first] = parsed.unknown;
  if (first === undefined || !first.trim()) return problem("required", `请填写角色；可填：${ROLE_CHOICES}`);
  return problem("role_unknown", `角色“${first}”无法识别；可填：${ROLE_CHOICES}`);
}

// ── region levels ───────────────────────────────────────────────────────────────────────────
const REGION_LEVEL_WORDS: Readonly<Record<string, RegionLevel>> = {
  省: "province",
  市: "city",
  州: "city",
  县: "county",
  区: "county",
  县区: "county",
  县市区: "county",
  乡镇: "township",
  乡: "township",
  镇: "township",
  街道: "township",
  乡镇街道: "township",
  村: "village",
  社区: "village",
  村社区: "village",
  居委会: "village",
  网格: "grid",
  province: "province",
  city: "city",
  county: "county",
  township: "township",
  village: "village",
  grid: "grid",
};
export const REGION_LEVEL_CHOICES = "县、乡镇（街道）、村（社区）、网格";

export function parseRegionLevel(cell: RawCell | undefined): Parsed<RegionLevel> {
  const text = cellText(cell);
  const level = REGION_LEVEL_WORDS[squash(text).toLowerCase()];
  return level ?? problem("region_level_unknown", `级别“${text}”无法识别；可填：${REGION_LEVEL_CHOICES}`);
}

// ── statuses ────────────────────────────────────────────────────────────────────────────────
const SUBJECT_ACTIVE = ["在管", "在册", "正常", "列管", "在控", "管控中", "在档", "有效"];
const SUBJECT_CLOSED = [
  "已解除",
  "解除",
  "已撤管",
  "撤管",
  "死亡",
  "已死亡",
  "迁出",
  "已迁出",
  "销档",
  "已销档",
];
export const SUBJECT_STATUS_CHOICES = `${SUBJECT_ACTIVE.slice(0, 3).join("、")}（或留空）、暂停（原因）；离开台账：已解除、已撤管、死亡、迁出，或已解除（原因）`;

/**
 * `active` (or blank); `paused` from `暂停（原因）` as `roster export` writes it; `closed` with
 * its reason: the word itself (死亡, 迁出…), or the text in brackets of `已解除（原因）`.
 */
export function parseSubjectStatus(
  cell: RawCell | undefined,
): Parsed<
  { status: "active" } | { status: "paused"; reason: string | null } | { status: "closed"; reason: string }
> {
  const text = cellText(cell).trim();
  const word = squash(text);
  if (!word || SUBJECT_ACTIVE.includes(word)) return { status: "active" };
  if (SUBJECT_CLOSED.includes(word)) return { status: "closed", reason: text };
  const bracketed = /^(.+?)\((.*)\)$/.exec(text.normalize("NFKC"));
  if (bracketed) {
    const head = squash(bracketed[1] ?? "");
    const reason = (bracketed[2] ?? "").trim();
    if (head === SUBJECT_STATUS_LABELS.paused || head === "暂停管理")
      return { status: "paused", reason: reason || null };
    if (SUBJECT_CLOSED.includes(head) && reason) return { status: "closed", reason };
  }
  if (word === SUBJECT_STATUS_LABELS.paused || word === "暂停管理") return { status: "paused", reason: null };
  return problem("status_unknown", `状态“${text}”无法识别；可填：${SUBJECT_STATUS_CHOICES}`);
}

/**
 * A closed person's 状态 as `parseSubjectStatus` reads it back: the reason itself when it is a
 * closing word (死亡, 迁出…), else 已解除（原因）, or 已解除 without a reason.
 */
export function formatClosedStatus(reason: string | null): string {
  const text = reason?.trim() ?? "";
  if (!text) return SUBJECT_STATUS_LABELS.closed;
  if (SUBJECT_CLOSED.includes(squash(text))) return text;
  return `${SUBJECT_STATUS_LABELS.closed}（${text}）`;
}

const CADRE_ACTIVE = ["在岗", "正常", "在职", "启用", "有效"];
const CADRE_INACTIVE = ["离岗", "调离", "离职", "停用", "退休", "不在岗"];
export const CADRE_STATUS_CHOICES = "在岗（或留空）、离岗、调离、离职、停用";

export function parseCadreStatus(cell: RawCell | undefined): Parsed<boolean> {
  const word = squash(cellText(cell));
  if (!word || CADRE_ACTIVE.includes(word)) return true;
  if (CADRE_INACTIVE.includes(word)) return false;
  return problem("status_unknown", `状态“${cellText(cell)}”无法识别；可填：${CADRE_STATUS_CHOICES}`);
}

export function parseGender(cell: RawCell | undefined): Parsed<Gender | null> {
  const word = squash(cellText(cell)).toLowerCase();
  if (!word) return null;
  if (["男", "男性", "male", "m"].includes(word)) return "male";
  if (["女", "女性", "female", "f"].includes(word)) return "female";
  return problem("gender_unknown", `性别“${cellText(cell)}”无法识别；可填：男、女`);
}

// ── ID numbers, phones, dates ───────────────────────────────────────────────────────────────
const NUMERIC_CELL =
  "被 Excel 存成了数字，后几位已丢失（显示为 %s）；请把该列设为文本（设置单元格格式→文本），重新填写完整号码后再导入";

/** A GB 11643 ID number with the birth date and gender it encodes. */
export interface IdNumber {
  id: string;
  birthDate: LocalDate;
  gender: Gender;
}

export function parseIdNumber(cell: RawCell | undefined): Parsed<IdNumber | null> {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === "number")
    return problem("id_number_numeric", `身份证号${NUMERIC_CELL.replace("%s", formatNumber(cell))}`);
  const text = cellText(cell);
  if (/^\d(\.\d+)?e\+\d+$/i.test(text))
    return problem("id_number_numeric", `身份证号${NUMERIC_CELL.replace("%s", text)}`);
  let id: string;
  try {
    id = normaliseIdNumber(text);
  } catch (err) {
    if (err instanceof IdNumberError) {
      const checksum = /校验位/.test(err.message);
      return problem(
        checksum ? "id_number_checksum" : "id_number_invalid",
        checksum
          ? "身份证号校验位不正确（GB 11643），请核对是否抄错了某一位"
          : "身份证号应为18位数字（最后一位可为X）",
      );
    }
    throw err;
  }
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const dn = dayNumberOfYmd(year, month, day);
  const back = ymdOf(dn);
  if (back.year !== year || back.month !== month || back.day !== day || year < 1900)
    return problem("id_number_invalid", "身份证号中的出生日期不是真实日期，请核对");
  return { id, birthDate: formatDayNumber(dn), gender: Number(id[16]) % 2 === 1 ? "male" : "female" };
}

function formatNumber(n: number): string {
  return Math.abs(n) >= 1e11
    ? n
        .toExponential(5)
        .replace(/\.?0+e/, "E")
        .replace("e", "E")
    : String(n);
}

/** A phone kept as text; an exact 11-digit mobile stored as a number is accepted. */
export function parsePhone(cell: RawCell | undefined, column: string): Parsed<string | null> {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === "number") {
    if (Number.isInteger(cell) && /^1\d{10}$/.test(String(cell))) return String(cell);
    return problem("phone_numeric", `${column}${NUMERIC_CELL.replace("%s", formatNumber(cell))}`);
  }
  const text = cellText(cell).replace(/[\s\u3000]/g, "");
  if (/^\d(\.\d+)?e\+\d+$/i.test(text))
    return problem("phone_numeric", `${column}${NUMERIC_CELL.replace("%s", text)}`);
  const digits = text.replace(/^\+86/, "").replace(/[-—()（）]/g, "");
  if (!/^\d{7,12}$/.test(digits))
    return problem(
      "phone_invalid",
      `${column}“${text}”不是电话号码；手机号应为11位数字，固话如 0710-1234567`,
    );
  return /^1\d{10}$/.test(digits) ? digits : text;
}

const EXCEL_EPOCH_DAY = dayNumberOfYmd(1899, 12, 30);

/** Excel date cells, serial numbers, YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日. */
export function parseDate(cell: RawCell | undefined, column: string): Parsed<LocalDate | null> {
  if (cell === null || cell === undefined) return null;
  if (cell instanceof Date) {
    // exceljs gives date cells as UTC midnight of the date shown.
    return formatDayNumber(Math.floor(cell.getTime() / 86_400_000));
  }
  if (typeof cell === "number") {
    if (Number.isInteger(cell) && cell > 0 && cell < 80_000) return formatDayNumber(EXCEL_EPOCH_DAY + cell);
    if (/^(19|20)\d{6}$/.test(String(cell))) return parseDate(String(cell), column);
    return problem("date_invalid", `${column}“${cell}”不是日期；请写成 1990-01-01 或 1990年1月1日`);
  }
  const text = cellText(cell);
  const m =
    /^(\d{2,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(text) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return problem("date_invalid", `${column}“${text}”不是日期；请写成 1990-01-01 或 1990年1月1日`);
  if ((m[1] ?? "").length !== 4)
    return problem(
      "date_two_digit_year",
      `${column}“${text}”的年份只有两位，无法确定世纪；请写四位年份，如 1990-01-01`,
    );
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dn = dayNumberOfYmd(y, mo, d);
  const back = ymdOf(dn);
  if (back.year !== y || back.month !== mo || back.day !== d || y < 1900)
    return problem("date_invalid", `${column}“${text}”不是真实日期`);
  return formatDayNumber(dn);
}
