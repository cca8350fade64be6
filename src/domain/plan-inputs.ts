/**
 * Indexing of plan and close-out inputs: one pass over visits and guarantees, cached policy
 * resolution per (region, category, level), pause and management spans as day numbers.
 * Everything here is linear in the input size.
 */

import type { Zone } from "./local-date";
import { toDayNumber } from "./local-date";
import { type CadencePolicy, createPolicyResolver } from "./policy";
import type {
  GuaranteeRecord,
  Id,
  SubjectRecord,
  VisitMethod,
  VisitOutcome,
  VisitRecord,
  VisitStatus,
} from "./records";

/**
 * The region chain of a region code: the code itself and its ancestors, nearest first
 * (`"420102001001" → ["420102001001", "420102001", "420102", "4201", "42"]`). A map or a function;
 * unknown codes may map to `[]` (only `*` rows then apply).
 */
export type RegionAncestry =
  | ReadonlyMap<string, readonly string[]>
  | ((regionCode: string) => readonly string[]);

/**
 * Visits in columns, one entry per index `0 … length − 1`: the cheapest input for millions of
 * visits (no object per visit; the store can fill it straight from a cursor). `statuses` and
 * `outcomes` may be left out when the query already kept only active visits where the person was
 * met (`status = 'active' AND outcome <> 'not_met'`). The method is given either as `methods` or,
 * at scale, as `inPerson` (1 when the visit was in person: all a policy asks of the method; one
 * byte a visit instead of a reference).
 */
export type VisitColumns = {
  length: number;
  subjectIds: ArrayLike<Id>;
  cadreIds: ArrayLike<Id>;
  /** `occurredAt` as epoch milliseconds. */
  occurredAtMs: ArrayLike<number>;
  statuses?: ArrayLike<VisitStatus>;
  outcomes?: ArrayLike<VisitOutcome>;
} & (
  | { methods: ArrayLike<VisitMethod>; inPerson?: undefined }
  | { inPerson: ArrayLike<number>; methods?: undefined }
);

/**
 * Visits as records (flat, or grouped by subject id) or as columns. Records and groups are read
 * in one sequential pass; columns are faster still.
 */
export type VisitInput = Iterable<VisitRecord> | ReadonlyMap<Id, readonly VisitRecord[]> | VisitColumns;

/** Packs visit records into columns (tests, small callers). */
export function packVisits(visits: Iterable<VisitRecord>): VisitColumns {
  const columns = {
    length: 0,
    subjectIds: [] as Id[],
    cadreIds: [] as Id[],
    occurredAtMs: [] as number[],
    methods: [] as VisitMethod[],
    statuses: [] as VisitStatus[],
    outcomes: [] as VisitOutcome[],
  };
  for (const visit of visits) {
    columns.subjectIds.push(visit.subjectId);
    columns.cadreIds.push(visit.cadreId);
    columns.occurredAtMs.push(visit.occurredAt.getTime());
    columns.methods.push(visit.method);
    columns.statuses.push(visit.status);
    columns.outcomes.push(visit.outcome);
    columns.length++;
  }
  return columns;
}

function isVisitColumns(visits: VisitInput): visits is VisitColumns {
  return (
    !(visits instanceof Map) &&
    typeof (visits as VisitColumns).length === "number" &&
    "occurredAtMs" in visits
  );
}

/** Finds a subject's position in the subject list by id; -1 when it is not there. */
export type PositionOf = (id: Id) => number;

/**
 * Position lookup for a subject list. Database ids are dense integers, so when every id is a
 * small non-negative integer a typed array replaces the map (a million lookups per million visits).
 */
export function createPositionLookup(subjects: readonly SubjectRecord[]): PositionOf {
  let maxId = -1;
  let dense = true;
  for (const subject of subjects) {
    const id = subject.id;
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      dense = false;
      break;
    }
    if (id > maxId) maxId = id;
  }
  if (dense && maxId < 4 * subjects.length + 1_000_000) {
    const table = new Int32Array(maxId + 1).fill(-1);
    for (let position = subjects.length - 1; position >= 0; position--) {
      table[(subjects[position] as SubjectRecord).id as number] = position;
    }
    return (id) => (typeof id === "number" && id >= 0 && id <= maxId ? (table[id] ?? -1) : -1);
  }
  const positions = new Map<Id, number>();
  subjects.forEach((subject, position) => {
    if (!positions.has(subject.id)) positions.set(subject.id, position);
  });
  return (id) => positions.get(id) ?? -1;
}

/**
 * Visits that can count, packed per subject position (compressed rows): subject `i`'s visits are
 * entries `start[i]` … `start[i + 1] − 1`. Building it reads each visit once, in input order;
 * evaluation then reads contiguous typed arrays instead of chasing ten million objects.
 * Withdrawn/superseded visits, `not_met` visits, visits after `cutoffMs` and visits of subjects
 * not in the list are dropped here.
 */
export interface VisitIndex {
  start: Int32Array;
  days: Int32Array;
  /** 1 when the visit was in person. */
  inPerson: Uint8Array;
  /** An Int32Array when the input's cadre ids were one (the store's columns), else an array. */
  cadreIds: ArrayLike<Id>;
}

export function indexVisits(
  visits: VisitInput,
  positionOf: PositionOf,
  subjectCount: number,
  zone: Zone,
  cutoffMs: number,
): VisitIndex {
  // Pass 1, in input order: keep the visits that can count, with their subject position.
  let capacity = Math.max(
    1024,
    isVisitColumns(visits) ? visits.length : Array.isArray(visits) ? visits.length : 0,
  );
  let owner: Int32Array<ArrayBuffer> = new Int32Array(capacity);
  let days: Int32Array<ArrayBuffer> = new Int32Array(capacity);
  let inPerson = new Uint8Array(capacity);
  // Integer cadre ids (the store's columns) stay in a typed array: 4 bytes a visit, no garbage.
  const packedCadres = isVisitColumns(visits) && visits.cadreIds instanceof Int32Array;
  let cadreInts: Int32Array<ArrayBuffer> = new Int32Array(packedCadres ? capacity : 0);
  const cadres: Id[] = [];
  let kept = 0;
  const keep = (subjectId: Id, cadreId: Id, ms: number, inPersonVisit: boolean) => {
    if (ms > cutoffMs) return;
    const position = positionOf(subjectId);
    if (position < 0) return;
    if (kept === capacity) {
      capacity *= 2;
      owner = grow(owner, capacity);
      days = grow(days, capacity);
      if (packedCadres) cadreInts = grow(cadreInts, capacity);
      const wider = new Uint8Array(capacity);
      wider.set(inPerson);
      inPerson = wider;
    }
    owner[kept] = position;
    days[kept] = zone.dayNumberAt(ms);
    inPerson[kept] = inPersonVisit ? 1 : 0;
    if (packedCadres) cadreInts[kept] = cadreId as number;
    else cadres[kept] = cadreId;
    kept++;
  };
  const keepRecord = (visit: VisitRecord) => {
    if (visit.status !== "active" || visit.outcome === "not_met") return;
    keep(visit.subjectId, visit.cadreId, visit.occurredAt.getTime(), visit.method === "in_person");
  };
  if (isVisitColumns(visits)) {
    const { statuses, outcomes, methods, inPerson: inPersonColumn } = visits;
    for (let i = 0; i < visits.length; i++) {
      if (statuses && statuses[i] !== "active") continue;
      if (outcomes && outcomes[i] === "not_met") continue;
      keep(
        visits.subjectIds[i] as Id,
        visits.cadreIds[i] as Id,
        visits.occurredAtMs[i] as number,
        inPersonColumn ? inPersonColumn[i] === 1 : methods?.[i] === "in_person",
      );
    }
  } else if (visits instanceof Map) {
    for (const list of (visits as ReadonlyMap<Id, readonly VisitRecord[]>).values()) {
      for (const visit of list) keepRecord(visit);
    }
  } else {
    for (const visit of visits as Iterable<VisitRecord>) keepRecord(visit);
  }

  // Pass 2: counting sort by subject position.
  const start = countingOffsets(owner, kept, subjectCount);
  const next = start.slice(0, subjectCount);
  const sortedDays = new Int32Array(kept);
  const sortedInPerson = new Uint8Array(kept);
  const sortedCadreInts = new Int32Array(packedCadres ? kept : 0);
  const sortedCadres = packedCadres ? [] : new Array<Id>(kept);
  for (let i = 0; i < kept; i++) {
    const position = owner[i] ?? 0;
    const slot = next[position] ?? 0;
    next[position] = slot + 1;
    sortedDays[slot] = days[i] ?? 0;
    sortedInPerson[slot] = inPerson[i] ?? 0;
    if (packedCadres) sortedCadreInts[slot] = cadreInts[i] ?? 0;
    else sortedCadres[slot] = cadres[i] as Id;
  }
  return {
    start,
    days: sortedDays,
    inPerson: sortedInPerson,
    cadreIds: packedCadres ? sortedCadreInts : sortedCadres,
  };
}

/** Row offsets of a counting sort: owner positions → start index per position (length n + 1). */
function countingOffsets(owner: Int32Array, count: number, positions: number): Int32Array {
  const start = new Int32Array(positions + 1);
  for (let i = 0; i < count; i++) {
    const at = (owner[i] ?? 0) + 1;
    start[at] = (start[at] ?? 0) + 1;
  }
  for (let p = 0; p < positions; p++) start[p + 1] = (start[p + 1] ?? 0) + (start[p] ?? 0);
  return start;
}

function grow(array: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const wider = new Int32Array(capacity);
  wider.set(array);
  return wider;
}

/** A guarantee as day numbers; open ends are ±Infinity. */
export interface GuaranteeSpan {
  cadreId: Id;
  startDay: number;
  endDay: number;
}

/** Guarantees packed per subject position, like `VisitIndex`. */
export interface GuaranteeIndex {
  start: Int32Array;
  spans: GuaranteeSpan[];
}

/** Indexes guarantees by subject position with their dates as day numbers. */
export function indexGuarantees(
  guarantees: Iterable<GuaranteeRecord>,
  positionOf: PositionOf,
  subjectCount: number,
): GuaranteeIndex {
  // Many rows share a start date; parse each distinct date once.
  const parsed = new Map<string, number>();
  const dayOf = (date: string) => {
    let day = parsed.get(date);
    if (day === undefined) {
      day = toDayNumber(date);
      parsed.set(date, day);
    }
    return day;
  };
  const owners: number[] = [];
  const spans: GuaranteeSpan[] = [];
  for (const guarantee of guarantees) {
    const position = positionOf(guarantee.subjectId);
    if (position < 0) continue;
    owners.push(position);
    spans.push({
      cadreId: guarantee.cadreId,
      startDay: guarantee.startDate ? dayOf(guarantee.startDate) : Number.NEGATIVE_INFINITY,
      endDay: guarantee.endDate ? dayOf(guarantee.endDate) : Number.POSITIVE_INFINITY,
    });
  }
  const owner = Int32Array.from(owners);
  const start = countingOffsets(owner, owner.length, subjectCount);
  const next = start.slice(0, subjectCount);
  const sorted = new Array<GuaranteeSpan>(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const position = owner[i] ?? 0;
    const slot = next[position] ?? 0;
    next[position] = slot + 1;
    sorted[slot] = spans[i] as GuaranteeSpan;
  }
  return { start, spans: sorted };
}

/**
 * The guarantors of the subject at `position` responsible on `day`, one span per cadre (a cadre
 * with several rows active on that day keeps the earliest start).
 */
export function guarantorsOn(index: GuaranteeIndex, position: number, day: number): GuaranteeSpan[] {
  const active: GuaranteeSpan[] = [];
  const from = index.start[position] ?? 0;
  const to = index.start[position + 1] ?? from;
  for (let i = from; i < to; i++) {
    const span = index.spans[i] as GuaranteeSpan;
    if (span.startDay > day || span.endDay < day) continue;
    // Lists are short (one to three guarantors): a linear scan beats a map.
    const existing = active.findIndex((other) => other.cadreId === span.cadreId);
    if (existing < 0) active.push(span);
    else if (span.startDay < (active[existing]?.startDay ?? Number.NEGATIVE_INFINITY))
      active[existing] = span;
  }
  return active;
}

/** Subjects, visits and guarantees indexed by subject position. */
export interface IndexedInputs {
  subjects: readonly SubjectRecord[];
  visits: VisitIndex;
  guarantees: GuaranteeIndex;
}

/** Indexes plan or close-out inputs in linear time (see `VisitIndex`). */
export function indexInputs(
  subjects: Iterable<SubjectRecord>,
  visits: VisitInput,
  guarantees: Iterable<GuaranteeRecord>,
  zone: Zone,
  cutoffMs: number,
): IndexedInputs {
  const list = Array.isArray(subjects) ? (subjects as readonly SubjectRecord[]) : [...subjects];
  const positionOf = createPositionLookup(list);
  return {
    subjects: list,
    visits: indexVisits(visits, positionOf, list.length, zone, cutoffMs),
    guarantees: indexGuarantees(guarantees, positionOf, list.length),
  };
}

/** Inclusive pause interval in day numbers, or undefined when the subject has no pause. */
export interface PauseSpan {
  startDay: number;
  endDay: number;
}

/** Reads the pause interval of a subject (see `SubjectRecord` for the rules). */
export function pauseSpanOf(subject: SubjectRecord): PauseSpan | undefined {
  const from = subject.pausedFrom ? toDayNumber(subject.pausedFrom) : Number.NEGATIVE_INFINITY;
  if (subject.status === "paused") return { startDay: from, endDay: Number.POSITIVE_INFINITY };
  if (!subject.pausedFrom && !subject.pausedUntil) return undefined;
  const until = subject.pausedUntil ? toDayNumber(subject.pausedUntil) : Number.POSITIVE_INFINITY;
  return { startDay: from, endDay: until };
}

/** True when the pause touches [startDay, endDay]. */
export function pauseOverlaps(pause: PauseSpan | undefined, startDay: number, endDay: number): boolean {
  return pause !== undefined && pause.startDay <= endDay && pause.endDay >= startDay;
}

/** First managed day, or -Infinity when unknown (managed since before anything in view). */
export function managedFromDay(subject: SubjectRecord): number {
  return subject.managedFrom ? toDayNumber(subject.managedFrom) : Number.NEGATIVE_INFINITY;
}

/** Policy lookup cached per (region, category, level): a million subjects share few combinations. */
export function createSubjectPolicyLookup(
  policies: readonly CadencePolicy[],
  regionAncestors: RegionAncestry,
): (subject: SubjectRecord) => CadencePolicy | undefined {
  const resolve = createPolicyResolver(policies);
  const chainOf =
    typeof regionAncestors === "function"
      ? regionAncestors
      : (code: string) => (regionAncestors as ReadonlyMap<string, readonly string[]>).get(code) ?? [];
  // region → category → level; nested maps avoid building a key string per subject.
  const cache = new Map<string, Map<string, Map<string, CadencePolicy | null>>>();
  return (subject) => {
    let byCategory = cache.get(subject.regionCode);
    if (!byCategory) {
      byCategory = new Map();
      cache.set(subject.regionCode, byCategory);
    }
    let byLevel = byCategory.get(subject.category);
    if (!byLevel) {
      byLevel = new Map();
      byCategory.set(subject.category, byLevel);
    }
    const cached = byLevel.get(subject.level);
    if (cached !== undefined) return cached ?? undefined;
    const policy = resolve(subject, chainOf(subject.regionCode));
    byLevel.set(subject.level, policy ?? null);
    return policy;
  };
}

/**
 * The qualifying visits of one subject, as parallel arrays reused from subject to subject (a
 * million subjects would otherwise allocate ten million small objects). Valid up to `length`.
 */
export interface QualifyingVisits {
  days: number[];
  cadreIds: Id[];
  length: number;
}

export function createQualifyingVisits(): QualifyingVisits {
  return { days: [], cadreIds: [], length: 0 };
}

/**
 * Fills `out` with the indexed visits of the subject at `position` that count for `policy`
 * (an `in_person` policy keeps only in-person visits; see `policyAccepts`).
 */
export function collectQualifyingVisits(
  out: QualifyingVisits,
  index: VisitIndex,
  position: number,
  policy: CadencePolicy,
): QualifyingVisits {
  const inPersonOnly = policy.method === "in_person";
  const from = index.start[position] ?? 0;
  const to = index.start[position + 1] ?? from;
  let length = 0;
  for (let i = from; i < to; i++) {
    if (inPersonOnly && index.inPerson[i] !== 1) continue;
    out.days[length] = index.days[i] ?? 0;
    out.cadreIds[length] = index.cadreIds[i] as Id;
    length++;
  }
  out.length = length;
  return out;
}

/** Qualifying visits within [startDay, endDay], of one cadre or (null) of everyone. */
export function countVisitsIn(
  visits: QualifyingVisits,
  cadreId: Id | null,
  startDay: number,
  endDay: number,
): number {
  let count = 0;
  for (let i = 0; i < visits.length; i++) {
    const day = visits.days[i] ?? Number.NaN;
    if (day < startDay || day > endDay) continue;
    if (cadreId === null || visits.cadreIds[i] === cadreId) count++;
  }
  return count;
}

/** Qualifying visit days, most recent first, of one cadre or (null) of everyone. */
export function visitDaysDescending(visits: QualifyingVisits, cadreId: Id | null): number[] {
  const days: number[] = [];
  for (let i = 0; i < visits.length; i++) {
    if (cadreId === null || visits.cadreIds[i] === cadreId) days.push(visits.days[i] ?? Number.NaN);
  }
  return days.sort((a, b) => b - a);
}
