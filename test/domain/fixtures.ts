/** Builders for domain tests. Clocks are fixed instants; nothing reads the wall clock. */

import { createCalendar } from "../../src/domain/calendar";
import type { Category } from "../../src/domain/categories";
import type { CadencePolicy } from "../../src/domain/policy";
import type { GuaranteeRecord, Id, SubjectRecord, VisitRecord } from "../../src/domain/records";

/** An instant given as Shanghai wall-clock time: `sh("2026-11-24 09:00")`. */
export function sh(local: string): Date {
  const [date, time = "00:00"] = local.split(" ");
  const withSeconds = time.length === 5 ? `${time}:00` : time;
  const instant = new Date(`${date}T${withSeconds}+08:00`);
  if (Number.isNaN(instant.getTime())) throw new Error(`bad fixture time ${local}`);
  return instant;
}

export const calendar = createCalendar();

export function subject(
  id: Id,
  category: Category,
  level: string,
  extra: Partial<SubjectRecord> = {},
): SubjectRecord {
  return { id, name: `人员${id}`, regionCode: "village-1", category, level, status: "active", ...extra };
}

export function guarantee(subjectId: Id, cadreId: Id, extra: Partial<GuaranteeRecord> = {}): GuaranteeRecord {
  return { subjectId, cadreId, startDate: "2020-01-01", endDate: null, ...extra };
}

export function visit(
  subjectId: Id,
  cadreId: Id,
  when: string,
  extra: Partial<VisitRecord> = {},
): VisitRecord {
  return {
    subjectId,
    cadreId,
    occurredAt: sh(when),
    method: "in_person",
    outcome: "normal",
    status: "active",
    ...extra,
  };
}

/** A policy row with defaults (everywhere, any level, in person, once, any guarantor). */
export function policy(
  category: Category,
  period: CadencePolicy["period"],
  extra: Partial<CadencePolicy> = {},
): CadencePolicy {
  return {
    regionCode: "*",
    category,
    level: "*",
    method: "in_person",
    period,
    intervalDays: null,
    minCount: 1,
    rule: "any",
    source: "测试",
    ...extra,
  };
}

/** Region chains of the test tree: province 42 → county 420102 → township → village-1 / village-2. */
export const regionAncestors = new Map<string, readonly string[]>([
  ["village-1", ["village-1", "420102001", "420102", "42"]],
  ["village-2", ["village-2", "420102002", "420102", "42"]],
  ["420102001", ["420102001", "420102", "42"]],
]);
