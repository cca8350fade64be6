/** Visits in columns: what the plan's `VisitColumns` reads, with integer ids. */
export interface VisitChunk {
  length: number;
  subjectIds: Int32Array;
  cadreIds: Int32Array;
  /** `occurredAt` as epoch milliseconds. */
  occurredAtMs: Float64Array;
  /** 1 when the visit was in person (the only thing a policy asks of the method). */
  inPerson: Uint8Array;
}

/** Subject ids per visit group: the planner's slices follow the same ranges. */
export const SUBJECT_GROUP_SPAN = 100_000;

const EMPTY: VisitChunk = {
  length: 0,
  subjectIds: new Int32Array(0),
  cadreIds: new Int32Array(0),
  occurredAtMs: new Float64Array(0),
  inPerson: new Uint8Array(0),
};

/**
 * Visits in groups by subject id range (`⌊subjectId / groupSpan⌋`), so a plan can run a range at
 * a time. Each group is kept as the chunks the pages arrived in (no page, and no second copy of
 * the whole, has to stay alive while loading); a group's chunks are joined when it is asked for,
 * and a plan releases each group once its slice is computed.
 */
export class GroupedVisits {
  private readonly chunks = new Map<number, VisitChunk[]>();
  private count = 0;

  constructor(readonly groupSpan: number = SUBJECT_GROUP_SPAN) {}

  /** Visits held (released groups no longer count). */
  get length(): number {
    return this.count;
  }

  /**
   * Adds one page of `count` visits, read through `at(i, out)` in page order: each visit goes to
   * its group's new chunk for this page (two passes: count, then fill).
   */
  addPage(
    count: number,
    at: (
      i: number,
      out: { subjectId: number; cadreId: number; occurredAtMs: number; inPerson: number },
    ) => void,
  ): void {
    const visit = { subjectId: 0, cadreId: 0, occurredAtMs: 0, inPerson: 0 };
    const sizes = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      at(i, visit);
      const group = Math.floor(visit.subjectId / this.groupSpan);
      sizes.set(group, (sizes.get(group) ?? 0) + 1);
    }
    const targets = new Map<number, VisitChunk>();
    for (const [group, size] of sizes) {
      const chunk: VisitChunk = {
        length: 0,
        subjectIds: new Int32Array(size),
        cadreIds: new Int32Array(size),
        occurredAtMs: new Float64Array(size),
        inPerson: new Uint8Array(size),
      };
      targets.set(group, chunk);
      const list = this.chunks.get(group);
      if (list) list.push(chunk);
      else this.chunks.set(group, [chunk]);
    }
    for (let i = 0; i < count; i++) {
      at(i, visit);
      const chunk = targets.get(Math.floor(visit.subjectId / this.groupSpan)) as VisitChunk;
      const j = chunk.length++;
      chunk.subjectIds[j] = visit.subjectId;
      chunk.cadreIds[j] = visit.cadreId;
      chunk.occurredAtMs[j] = visit.occurredAtMs;
      chunk.inPerson[j] = visit.inPerson;
    }
    this.count += count;
  }

  /** The groups present, ascending. */
  groups(): number[] {
    return [...this.chunks.keys()].sort((a, b) => a - b);
  }

  /** One group's visits as one set of columns (joined once; later calls reuse the join). */
  group(key: number): VisitChunk {
    const list = this.chunks.get(key);
    if (!list || list.length === 0) return EMPTY;
    if (list.length === 1) return list[0] as VisitChunk;
    const joined = join(list);
    this.chunks.set(key, [joined]);
    return joined;
  }

  /** Drops a group's visits (a plan is done with its slice). */
  release(key: number): void {
    const list = this.chunks.get(key);
    if (!list) return;
    for (const chunk of list) this.count -= chunk.length;
    this.chunks.delete(key);
  }

  /**
   * Every visit as one set of columns, in group order (one join; afterwards the groups are views
   * of it, so the visits are held once).
   */
  all(): VisitChunk {
    const keys = this.groups();
    if (keys.length === 0) return EMPTY;
    if (keys.length === 1) return this.group(keys[0] as number);
    const whole = join(keys.flatMap((key) => this.chunks.get(key) ?? []));
    let start = 0;
    for (const key of keys) {
      const size = (this.chunks.get(key) ?? []).reduce((n, c) => n + c.length, 0);
      this.chunks.set(key, [view(whole, start, start + size)]);
      start += size;
    }
    return whole;
  }
}

function join(chunks: readonly VisitChunk[]): VisitChunk {
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const out: VisitChunk = {
    length,
    subjectIds: new Int32Array(length),
    cadreIds: new Int32Array(length),
    occurredAtMs: new Float64Array(length),
    inPerson: new Uint8Array(length),
  };
  let at = 0;
  for (const c of chunks) {
    out.subjectIds.set(c.subjectIds.subarray(0, c.length), at);
    out.cadreIds.set(c.cadreIds.subarray(0, c.length), at);
    out.occurredAtMs.set(c.occurredAtMs.subarray(0, c.length), at);
    out.inPerson.set(c.inPerson.subarray(0, c.length), at);
    at += c.length;
  }
  return out;
}

function view(whole: VisitChunk, start: number, end: number): VisitChunk {
  return {
    length: end - start,
    subjectIds: whole.subjectIds.subarray(start, end),
    cadreIds: whole.cadreIds.subarray(start, end),
    occurredAtMs: whole.occurredAtMs.subarray(start, end),
    inPerson: whole.inPerson.subarray(start, end),
  };
}
