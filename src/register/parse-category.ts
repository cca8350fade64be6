/**
 * Categories and levels as townships write them (register.md) → codes. One table for
 * `subject add|set` and the register import; an unknown word lists the allowed values.
 */
import { CATEGORIES, type Category, isCategory, listLevels } from "../domain/categories";
import { CATEGORY_FULL_LABELS, CATEGORY_LABELS } from "../domain/labels";

const CATEGORY_WORDS: readonly [string, Category][] = [
  ["严重精神障碍患者", "mental_disorder"],
  ["严重精神障碍", "mental_disorder"],
  ["精神障碍患者", "mental_disorder"],
  ["精神病人", "mental_disorder"],
  ["精神病患者", "mental_disorder"],
  ["吸毒人员", "drug_rehab"],
  ["社区戒毒人员", "drug_rehab"],
  ["社区康复人员", "drug_rehab"],
  ["社区戒毒", "drug_rehab"],
  ["社区康复", "drug_rehab"],
  ["社区矫正对象", "community_correction"],
  ["社区矫正人员", "community_correction"],
  ["社区服刑人员", "community_correction"],
  ["刑满释放人员", "released_prisoner"],
  ["刑释解教人员", "released_prisoner"],
  ["安置帮教对象", "released_prisoner"],
  ["安置帮教人员", "released_prisoner"],
  ["留守儿童", "left_behind_child"],
  ["困境儿童", "left_behind_child"],
  ["农村留守儿童", "left_behind_child"],
  ["空巢老人", "elderly_alone"],
  ["独居老人", "elderly_alone"],
  ["特殊困难老年人", "elderly_alone"],
  ["闲散青少年", "idle_youth"],
  ["重点青少年", "idle_youth"],
  ["社会闲散青少年", "idle_youth"],
  ["重点信访人员", "petitioner"],
  ["信访人员", "petitioner"],
  ["重点上访人员", "petitioner"],
];

function normalise(word: string): string {
  return word.replace(/\s+/g, "").replace(/（/g, "(").replace(/）/g, ")").toLowerCase();
}

const CATEGORY_LOOKUP: ReadonlyMap<string, Category> = new Map([
  ...CATEGORIES.map((c) => [c, c] as const),
  ...CATEGORIES.map((c) => [normalise(CATEGORY_LABELS[c]), c] as const),
  ...CATEGORIES.map((c) => [normalise(CATEGORY_FULL_LABELS[c]), c] as const),
  ...CATEGORY_WORDS.map(([w, c]) => [normalise(w), c] as const),
]);

/** The category of a word or code; undefined when not understood. */
export function parseCategory(word: string): Category | undefined {
  const w = normalise(word);
  return isCategory(w) ? w : CATEGORY_LOOKUP.get(w);
}

/** Allowed category words, for error messages. */
export function categoryHint(): string {
  return CATEGORIES.map((c) => `${CATEGORY_LABELS[c]}（${c}）`).join("、");
}

/** Level words besides the labels, per level code (`严管`, `重点` are the labels themselves). */
const LEVEL_WORDS: Readonly<Record<string, readonly string[]>> = {
  high: ["高", "高风险", "高危"],
  medium: ["中", "中风险"],
  low: ["低", "低风险"],
  strict: ["严管", "严格管理"],
  normal: ["普管", "普通管理"],
  lenient: ["宽管", "宽松管理"],
  key: ["重点", "重点人员"],
  ordinary: ["一般", "普通", "一般人员"],
};

/** The level code of a word within a category (`危险性评估3级` → `risk3`); undefined when unknown. */
export function parseLevel(category: Category, word: string): string | undefined {
  const w = normalise(word);
  const levels = listLevels(category);
  const byCode = levels.find((l) => l.code === w || normalise(l.label) === w);
  if (byCode) return byCode.code;
  if (category === "mental_disorder") {
    const m = /^(?:危险性评估|风险|危险性)?([0-5])级?$/.exec(w);
    return m ? `risk${m[1]}` : undefined;
  }
  return levels.find((l) => (LEVEL_WORDS[l.code] ?? []).includes(w))?.code;
}

/** Allowed levels of a category, for error messages. */
export function levelHint(category: Category): string {
  return listLevels(category)
    .map((l) => `${l.label}（${l.code}）`)
    .join("、");
}
