/**
 * Cadence policies: (region, category, level) → (method, period or interval, minimum count,
 * any/each guarantor). The table is configuration; `cadence-defaults.ts` holds what ships.
 */

import type { Category } from "./categories";
import { isValidLevel } from "./categories";
import type { PeriodUnit } from "./periods";
import type { VisitMethod } from "./records";

/** Wildcard for `regionCode` (everywhere) and `level` (every level). */
export const ANY = "*";

/**
 * What a visit must be to count. The method is a minimum strength of contact:
 * - `in_person`: only an in-person visit counts;
 * - `phone`: a phone call, a video call or an in-person visit counts;
 * - `any`: every method counts (today the same set as `phone`; kept distinct because operators
 *   write it and a future method, e.g. a message, would count only under `any`).
 */
export type PolicyMethod = "in_person" | "phone" | "any";
export type PolicyPeriod = PeriodUnit | "days";
/** `any`: one qualifying visit by anyone satisfies the subject; `each`: every active guarantor must. */
export type GuarantorRule = "any" | "each";

export interface CadencePolicy {
  /** `*` = everywhere; otherwise a region code whose whole subtree the row covers. */
  regionCode: string;
  category: Category;
  /** A level code of the category, or `*`. */
  level: string;
  method: PolicyMethod;
  period: PolicyPeriod;
  /** Only for `period: "days"`: at least `minCount` qualifying visits in every N days. */
  intervalDays?: number | null;
  /** Qualifying visits needed per period (per guarantor under `each`). */
  minCount: number;
  rule: GuarantorRule;
  /** Where the rule comes from (law, standard, local practice), in Chinese. */
  source: string;
}

/** What policy resolution needs to know about a subject. */
export interface PolicySubject {
  category: Category;
  level: string;
  regionCode: string;
}

/** True when a visit made by `visitMethod` satisfies a policy requiring `policyMethod`. */
export function policyAccepts(policyMethod: PolicyMethod, visitMethod: VisitMethod): boolean {
  return policyMethod !== "in_person" || visitMethod === "in_person";
}

/**
 * Problems with one policy row (empty when valid): unknown level, interval missing or misplaced,
 * minCount below 1. Messages are for operators, in Chinese.
 */
export function validatePolicy(policy: CadencePolicy): string[] {
  const problems: string[] = [];
  if (policy.level !== ANY && !isValidLevel(policy.category, policy.level)) {
    problems.push(`等级“${policy.level}”不属于该类别`);
  }
  if (policy.period === "days") {
    if (!policy.intervalDays || !Number.isInteger(policy.intervalDays) || policy.intervalDays < 1) {
      problems.push("按天数周期必须填写正整数间隔天数");
    }
  } else if (policy.intervalDays != null) {
    problems.push("只有按天数周期才能填写间隔天数");
  }
  if (!Number.isInteger(policy.minCount) || policy.minCount < 1) problems.push("最少次数必须是正整数");
  if (policy.regionCode.trim() === "") problems.push("区域代码不能为空（全域请填 *）");
  if (policy.source.trim() === "") problems.push("请注明依据");
  return problems;
}

/** Finds the policy of a subject given the codes of its region and that region's ancestors. */
export type PolicyResolver = (
  subject: PolicySubject,
  regionAncestors: readonly string[],
) => CadencePolicy | undefined;

interface RegionRows {
  exact: Map<string, CadencePolicy>;
  anyLevel?: CadencePolicy;
}

/**
 * Indexes a policy table once so each resolution costs a walk up the region chain (a few map
 * lookups). Throws RangeError when two rows share (regionCode, category, level).
 *
 * Specificity: the nearest region wins (the subject's own region, then its parent, … then `*`);
 * within one region an exact level beats `*`. Region depth is decided first: a county row for
 * level `*` beats a nationwide row for the exact level, because a local authority's rule for its
 * territory is meant to replace the general one.
 */
export function createPolicyResolver(policies: readonly CadencePolicy[]): PolicyResolver {
  const index = new Map<Category, Map<string, RegionRows>>();
  for (const policy of policies) {
    let byRegion = index.get(policy.category);
    if (!byRegion) {
      byRegion = new Map();
      index.set(policy.category, byRegion);
    }
    let rows = byRegion.get(policy.regionCode);
    if (!rows) {
      rows = { exact: new Map() };
      byRegion.set(policy.regionCode, rows);
    }
    const duplicate = policy.level === ANY ? rows.anyLevel : rows.exact.get(policy.level);
    if (duplicate) {
      throw new RangeError(
        `duplicate cadence policy for ${policy.regionCode}/${policy.category}/${policy.level}`,
      );
    }
    if (policy.level === ANY) rows.anyLevel = policy;
    else rows.exact.set(policy.level, policy);
  }

  return (subject, regionAncestors) => {
    const byRegion = index.get(subject.category);
    if (!byRegion) return undefined;
    const pick = (regionCode: string) => {
      const rows = byRegion.get(regionCode);
      return rows ? (rows.exact.get(subject.level) ?? rows.anyLevel) : undefined;
    };
    const own = pick(subject.regionCode);
    if (own) return own;
    for (const code of regionAncestors) {
      if (code === subject.regionCode || code === ANY) continue;
      const found = pick(code);
      if (found) return found;
    }
    return pick(ANY);
  };
}

/**
 * The policy that applies to `subject`, or undefined when none matches.
 * `regionAncestors`: the subject's region code and its ancestors' codes, nearest first
 * (`["420102001001", "420102001", "420102", "4201", "42"]`); the subject's own region is
 * considered first whether or not the list includes it. For many subjects build the resolver
 * once with `createPolicyResolver`.
 */
export function resolvePolicy(
  policies: readonly CadencePolicy[],
  subject: PolicySubject,
  regionAncestors: readonly string[],
): CadencePolicy | undefined {
  return createPolicyResolver(policies)(subject, regionAncestors);
}
