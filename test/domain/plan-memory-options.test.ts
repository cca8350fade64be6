import { computePlan, numberItems, type PlanInput, type PlanItem } from "../../src/domain/plan";
import type { GuaranteeRecord, Id, SubjectRecord, VisitRecord } from "../../src/domain/records";
import { calendar, guarantee, policy, regionAncestors, sh, subject, visit } from "./fixtures";

// Options a province-sized caller uses to keep memory down (`records: false`, `collectInto`):
// the same states and, once sorted and numbered, the same lists as the default result.

const subjects: SubjectRecord[] = [
  subject(1, "mental_disorder", "risk3", { name: "张三" }),
  subject(2, "mental_disorder", "risk1", { name: "李四" }),
  subject(3, "mental_disorder", "risk5", { name: "王五" }),
  subject(4, "mental_disorder", "risk2", { name: "赵六", status: "paused" }),
  subject(5, "mental_disorder", "risk3", { name: "钱七" }),
  subject(6, "mental_disorder", "risk0", { name: "孙八" }),
];
const guarantees: GuaranteeRecord[] = [
  guarantee(1, "c1"),
  guarantee(2, "c1"),
  guarantee(3, "c2"),
  guarantee(3, "c1"),
  guarantee(4, "c2"),
  guarantee(5, "c1"),
  guarantee(6, "c2"),
];
const visits: VisitRecord[] = [visit(1, "c1", "2026-11-23 09:00"), visit(5, "c1", "2026-11-20 15:00")];

function input(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    now: sh("2026-11-24 07:30"),
    calendar,
    subjects,
    guarantees,
    visits,
    policies: [policy("mental_disorder", "week")],
    regionAncestors,
    ...extra,
  };
}

describe("computePlan memory options", () => {
  const full = computePlan(input());

  it("gives each subject's state in input order, with or without the records", () => {
    expect(full.states).toEqual(full.subjects.map((s) => s.state));
    expect(new Set(full.states).size).toBeGreaterThan(1);
    const lean = computePlan(input({ records: false }));
    expect(lean.subjects).toEqual([]);
    expect(lean.states).toEqual(full.states);
    expect(lean.summary).toEqual(full.summary);
    expect(lean.byCadre).toEqual(full.byCadre);
  });

  it("appends to a shared map across calls, unnumbered, equal to the full lists once numbered", () => {
    const into = new Map<Id, PlanItem[]>();
    const first = computePlan(input({ subjects: subjects.slice(3), collectInto: into, records: false }));
    const second = computePlan(input({ subjects: subjects.slice(0, 3), collectInto: into, records: false }));
    expect(first.byCadre).toBe(into);
    expect(second.byCadre).toBe(into);
    expect([...into.values()].flat().every((item) => item.number === 0)).toBe(true);
    for (const items of into.values()) numberItems(items);
    expect(new Map([...into].sort(([a], [b]) => String(a).localeCompare(String(b))))).toEqual(
      new Map([...full.byCadre].sort(([a], [b]) => String(a).localeCompare(String(b)))),
    );
    // c1's list mixes both calls (subjects 2 and 3, then 5) and is reordered by urgency.
    expect(full.byCadre.get("c1")?.map((item) => item.subjectId)).toHaveLength(3);
    expect(full.states).toEqual(["done", "overdue", "overdue", "paused", "due", "overdue"]);
  });
});
