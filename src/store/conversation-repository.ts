import type { CadencePolicy } from "../domain/policy";
import type { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

export interface ListItem {
  n: number;
  subjectId: number;
  name: string;
}

export interface CadreListRow {
  id: number;
  kind: string;
  date: string;
  items: ListItem[];
  createdAt: Date;
}

export interface PendingQuestion {
  kind: string;
  payload: Record<string, unknown>;
  expiresAt: Date;
}

/** A subject a cadre guarantees, with what disambiguation needs. */
export interface GuaranteedSubject {
  id: number;
  name: string;
  category: string;
  level: string;
  status: string;
  regionId: number;
  regionName: string;
  birthYear: number | null;
}

export interface PolicyContext {
  subject: { category: CadencePolicy["category"]; level: string; regionCode: string };
  /** The subject's region code and its ancestors' codes, nearest first. */
  ancestors: string[];
  policies: CadencePolicy[];
}

export interface ConversationRepository {
  /** The newest numbered list the cadre received: what their list numbers refer to. */
  latestList(cadreId: number): Promise<CadreListRow | null>;
  /** `latestList` for many cadres in one statement; a cadre with no list is absent. */
  latestLists(cadreIds: readonly number[]): Promise<Map<number, CadreListRow>>;
  saveList(cadreId: number, kind: string, date: string, items: ListItem[], at: Date): Promise<void>;
  pendingQuestion(cadreId: number, now: Date): Promise<PendingQuestion | null>;
  /**
   * The stored question of each of these cadres in one statement, expired or not (the caller
   * applies its own `now`, as `pendingQuestion` does); a cadre with none is absent.
   */
  storedQuestions(cadreIds: readonly number[]): Promise<Map<number, PendingQuestion>>;
  ask(cadreId: number, question: PendingQuestion): Promise<void>;
  clearQuestion(cadreId: number): Promise<void>;
  /** Subjects the cadre guarantees on `date` (guarantee started and not ended). */
  guaranteedSubjects(cadreId: number, date: Date): Promise<GuaranteedSubject[]>;
  /** Whether the cadre guarantees the subject on `date`. */
  guarantees(cadreId: number, subjectId: number, date: Date): Promise<boolean>;
  /** What resolving a subject's cadence policy needs: the subject, its region chain, candidate rows. */
  policyContext(subjectId: number): Promise<PolicyContext | null>;
  /** Subjects with this exact name inside a region subtree (for incidents). */
  findSubjectsByName(
    name: string,
    regionPathPrefix: string,
  ): Promise<{ id: number; name: string; regionId: number; category: string }[]>;
}

export class PrismaConversationRepository implements ConversationRepository {
  constructor(private readonly db: Db) {}

  // latestList and pendingQuestion run on nearly every inbound message: plain SQL, a fraction of
  // a Prisma model query's CPU (measured ~270 vs ~720 µs per statement).
  async latestList(cadreId: number) {
    const rows = await this.db.$queryRaw<CadreListRow[]>`
      SELECT "id", "kind", "date", "items", "createdAt" FROM "CadreList"
      WHERE "cadreId" = ${cadreId}
      ORDER BY "createdAt" DESC, "id" DESC
      LIMIT 1`;
    return rows[0] ?? null;
  }

  async latestLists(cadreIds: readonly number[]) {
    const out = new Map<number, CadreListRow>();
    if (cadreIds.length === 0) return out;
    // One index probe per cadre ((cadreId, createdAt)), not every list each cadre ever received.
    const rows = await this.db.$queryRaw<(CadreListRow & { cadreId: number })[]>`
      SELECT c."cadreId", l."id", l."kind", l."date", l."items", l."createdAt"
      FROM unnest(${[...new Set(cadreIds)]}::int[]) AS c("cadreId")
      CROSS JOIN LATERAL (
        SELECT "id", "kind", "date", "items", "createdAt" FROM "CadreList"
        WHERE "cadreId" = c."cadreId"
        ORDER BY "createdAt" DESC, "id" DESC
        LIMIT 1
      ) AS l`;
    for (const { cadreId, ...row } of rows) out.set(cadreId, row);
    return out;
  }

  async saveList(cadreId: number, kind: string, date: string, items: ListItem[], at: Date) {
    await this.db.cadreList.create({
      data: { cadreId, kind, date, items: items as unknown as Prisma.InputJsonValue, createdAt: at },
    });
  }

  async pendingQuestion(cadreId: number, now: Date) {
    const rows = await this.db.$queryRaw<PendingQuestion[]>`
      SELECT "kind", "payload", "expiresAt" FROM "ConversationState" WHERE "cadreId" = ${cadreId}`;
    const row = rows[0];
    return row && row.expiresAt > now ? row : null;
  }

  async storedQuestions(cadreIds: readonly number[]) {
    const out = new Map<number, PendingQuestion>();
    if (cadreIds.length === 0) return out;
    const rows = await this.db.$queryRaw<(PendingQuestion & { cadreId: number })[]>`
      SELECT "cadreId", "kind", "payload", "expiresAt" FROM "ConversationState"
      WHERE "cadreId" = ANY(${[...new Set(cadreIds)]}::int[])`;
    for (const { cadreId, ...row } of rows) out.set(cadreId, row);
    return out;
  }

  async ask(cadreId: number, q: PendingQuestion) {
    const data = { kind: q.kind, payload: q.payload as Prisma.InputJsonValue, expiresAt: q.expiresAt };
    await this.db.conversationState.upsert({
      where: { cadreId },
      create: { cadreId, ...data },
      update: data,
    });
  }

  async clearQuestion(cadreId: number) {
    await this.db.conversationState.deleteMany({ where: { cadreId } });
  }

  async guaranteedSubjects(cadreId: number, date: Date) {
    const rows = await this.db.guarantee.findMany({
      where: { cadreId, startDate: { lte: date }, OR: [{ endDate: null }, { endDate: { gte: date } }] },
      select: {
        subject: {
          select: {
            id: true,
            name: true,
            category: true,
            level: true,
            status: true,
            regionId: true,
            birthDate: true,
            region: { select: { name: true } },
          },
        },
      },
    });
    const seen = new Set<number>();
    const out: GuaranteedSubject[] = [];
    for (const { subject: s } of rows) {
      if (seen.has(s.id) || s.status === "closed") continue;
      seen.add(s.id);
      out.push({
        id: s.id,
        name: s.name,
        category: s.category,
        level: s.level,
        status: s.status,
        regionId: s.regionId,
        regionName: s.region.name,
        birthYear: s.birthDate ? s.birthDate.getUTCFullYear() : null,
      });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async guarantees(cadreId: number, subjectId: number, date: Date) {
    const n = await this.db.guarantee.count({
      where: {
        cadreId,
        subjectId,
        startDate: { lte: date },
        OR: [{ endDate: null }, { endDate: { gte: date } }],
      },
    });
    return n > 0;
  }

  findSubjectsByName(name: string, regionPathPrefix: string) {
    return this.db.subject.findMany({
      where: { name, status: { not: "closed" }, region: { path: { startsWith: regionPathPrefix } } },
      select: { id: true, name: true, regionId: true, category: true },
      take: 10,
    });
  }

  async policyContext(subjectId: number) {
    const s = await this.db.subject.findUnique({
      where: { id: subjectId },
      select: { category: true, level: true, region: { select: { code: true, path: true } } },
    });
    if (!s) return null;
    const ids = s.region.path.split("/").filter(Boolean).map(Number);
    const regions = await this.db.region.findMany({
      where: { id: { in: ids } },
      select: { id: true, code: true },
    });
    const ancestors = ids
      .reverse()
      .map((id) => regions.find((r) => r.id === id)?.code)
      .filter((c): c is string => !!c);
    const rows = await this.db.cadencePolicy.findMany({
      where: { category: s.category },
      select: {
        regionCode: true,
        category: true,
        level: true,
        method: true,
        period: true,
        intervalDays: true,
        minCount: true,
        rule: true,
        source: true,
      },
    });
    return {
      subject: { category: s.category, level: s.level, regionCode: s.region.code },
      ancestors,
      policies: rows,
    };
  }
}

/**
 * A view of `inner` for a batch of messages handled in one transaction: the first
 * `latestList` / `pendingQuestion` for any of `cadreIds` loads that read for all of them in one
 * statement, and later reads for them are answered from it. Once a cadre's list or question is
 * written through this view (`saveList`, `ask`, `clearQuestion`), reads of it go to the database
 * again and see the write. Only for use inside one transaction whose writes to CadreList and
 * ConversationState all go through this view (the bot's commands do); other cadres and everything
 * else pass through unchanged. Each read returns a fresh copy, as the database would.
 */
export function withBatchReads(
  inner: ConversationRepository,
  cadreIds: readonly number[],
): ConversationRepository {
  const members = new Set(cadreIds);
  const listWritten = new Set<number>();
  const questionWritten = new Set<number>();
  let lists: Promise<Map<number, CadreListRow>> | null = null;
  let questions: Promise<Map<number, PendingQuestion>> | null = null;

  return {
    async latestList(cadreId) {
      if (!members.has(cadreId) || listWritten.has(cadreId)) return inner.latestList(cadreId);
      lists ??= inner.latestLists([...members]);
      const row = (await lists).get(cadreId);
      // Written while the batch read was under way: that read may predate the write.
      if (listWritten.has(cadreId)) return inner.latestList(cadreId);
      return row ? { ...row, items: structuredClone(row.items), createdAt: new Date(row.createdAt) } : null;
    },
    latestLists: (ids) => inner.latestLists(ids),
    async saveList(cadreId, kind, date, items, at) {
      listWritten.add(cadreId);
      await inner.saveList(cadreId, kind, date, items, at);
    },
    async pendingQuestion(cadreId, now) {
      if (!members.has(cadreId) || questionWritten.has(cadreId)) return inner.pendingQuestion(cadreId, now);
      questions ??= inner.storedQuestions([...members]);
      const row = (await questions).get(cadreId);
      if (questionWritten.has(cadreId)) return inner.pendingQuestion(cadreId, now);
      if (!row || row.expiresAt <= now) return null;
      return { kind: row.kind, payload: structuredClone(row.payload), expiresAt: new Date(row.expiresAt) };
    },
    storedQuestions: (ids) => inner.storedQuestions(ids),
    async ask(cadreId, question) {
      questionWritten.add(cadreId);
      await inner.ask(cadreId, question);
    },
    async clearQuestion(cadreId) {
      questionWritten.add(cadreId);
      await inner.clearQuestion(cadreId);
    },
    guaranteedSubjects: (cadreId, date) => inner.guaranteedSubjects(cadreId, date),
    guarantees: (cadreId, subjectId, date) => inner.guarantees(cadreId, subjectId, date),
    policyContext: (subjectId) => inner.policyContext(subjectId),
    findSubjectsByName: (name, prefix) => inner.findSubjectsByName(name, prefix),
  };
}
