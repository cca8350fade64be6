/**
 * Register categories and their level codes. Level codes are what `Subject.level` stores; the
 * Chinese labels live in `labels.ts`.
 */

import { LEVEL_LABELS } from "./labels";

/** The eight register categories, in the order the product lists them. */
export const CATEGORIES = [
  "mental_disorder",
  "drug_rehab",
  "community_correction",
  "released_prisoner",
  "left_behind_child",
  "elderly_alone",
  "idle_youth",
  "petitioner",
] as const;

export type Category = (typeof CATEGORIES)[number];

/**
 * Valid level codes per category, most severe first, each with a severity on a shared 0–5 scale.
 * Severity is only an ordering key for daily lists (more severe first among equally overdue
 * people); it carries no meaning across categories beyond that.
 */
export const CATEGORY_LEVELS: Readonly<Record<Category, readonly { code: string; severity: number }[]>> = {
  // 危险性评估 0–5 (国家基本公共卫生服务规范).
  mental_disorder: [
    { code: "risk5", severity: 5 },
    { code: "risk4", severity: 5 },
    { code: "risk3", severity: 4 },
    { code: "risk2", severity: 3 },
    { code: "risk1", severity: 2 },
    { code: "risk0", severity: 0 },
  ],
  drug_rehab: [
    { code: "high", severity: 4 },
    { code: "medium", severity: 2 },
    { code: "low", severity: 1 },
  ],
  // 严管 / 普管 / 宽管.
  community_correction: [
    { code: "strict", severity: 4 },
    { code: "normal", severity: 2 },
    { code: "lenient", severity: 1 },
  ],
  released_prisoner: [
    { code: "key", severity: 3 },
    { code: "ordinary", severity: 1 },
  ],
  left_behind_child: [
    { code: "key", severity: 3 },
    { code: "ordinary", severity: 1 },
  ],
  elderly_alone: [
    { code: "high", severity: 4 },
    { code: "key", severity: 3 },
    { code: "ordinary", severity: 1 },
  ],
  idle_youth: [
    { code: "key", severity: 3 },
    { code: "ordinary", severity: 1 },
  ],
  petitioner: [
    { code: "key", severity: 3 },
    { code: "ordinary", severity: 1 },
  ],
};

const severityIndex = new Map<string, ReadonlyMap<string, number>>(
  CATEGORIES.map((category) => [
    category,
    new Map(CATEGORY_LEVELS[category].map((l) => [l.code, l.severity])),
  ]),
);

/** True when `value` is one of the eight category codes. */
export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}

/** True when `level` is a valid level code of `category`. */
export function isValidLevel(category: Category, level: string): boolean {
  return severityIndex.get(category)?.has(level) ?? false;
}

/** Severity ordering key of a level (0 for unknown codes). */
export function levelSeverity(category: Category, level: string): number {
  return severityIndex.get(category)?.get(level) ?? 0;
}

/** The levels of a category with their Chinese labels, most severe first. */
export function listLevels(category: Category): { code: string; label: string; severity: number }[] {
  return CATEGORY_LEVELS[category].map((level) => ({
    code: level.code,
    label: LEVEL_LABELS[category][level.code] ?? level.code,
    severity: level.severity,
  }));
}
