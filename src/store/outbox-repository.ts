import { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

/** Who a message goes to: a member (message/send), an app chat (appchat/send) or a group robot key. */
export type RecipientKind = "user" | "chat" | "webhook";

export type OutboundStatus = "pending" | "sending" | "sent" | "failed";

export const OUTBOUND_STATUSES: readonly OutboundStatus[] = ["pending", "sending", "sent", "failed"];

export interface EnqueueInput {
  /** The channel that delivers it, e.g. "app" (self-built app) or "sandbox". */
  channel: string;
  /** userid, chatid or robot key, by `recipientKind`. */
  recipient: string;
  recipientKind: RecipientKind;
  /**
   * The message as the channel sends it. Stored once and sent byte-for-byte identical on every
   * attempt (WeCom's duplicate check compares the JSON): never put a send-time value in it.
   */
  body: Prisma.InputJsonValue;
  /** Unique per intended message, e.g. `daily-push:2026-11-24:cadre-17` or `reply:<inbound MsgId>`. */
  idempotencyKey: string;
  /** Not before this time (default: the database's now()). */
  notBefore?: Date;
  /** Creation time (default: the database's now()); tests and jobs with an injected clock pass it. */
  at?: Date;
  /**
   * Claim order among due messages, higher first (default 0). Emergency notifications use
   * {@link OUTBOX_PRIORITY_URGENT} so they never wait behind a province's morning cards.
   */
  priority?: number;
}

/** Priority of incident notifications (issue 6): claimed before every routine message. */
export const OUTBOX_PRIORITY_URGENT = 10;

/** A message leased to one worker by {@link OutboxRepository.claimDue}. */
export interface ClaimedMessage {
  id: number;
  channel: string;
  recipient: string;
  recipientKind: RecipientKind;
  body: Prisma.JsonValue;
  idempotencyKey: string;
  /** Attempts made before this claim. */
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  /** Claim order among due messages, higher first. */
  priority: number;
  /**
   * When the message was still `sending` under an expired lease (a worker died or hung mid-send),
   * the expired lease: the earlier attempt may have reached WeCom.
   */
  reclaimedFrom: { lockedBy: string | null; lockedUntil: Date } | null;
}

/** How one attempt on a leased message ended: what `markSent` / `markRetry` / `markFailed` record. */
export type OutboxOutcome =
  | { id: number; outcome: "sent"; wecomMsgId: string | null; at: Date }
  | { id: number; outcome: "retry"; error: string; nextAttemptAt: Date }
  | { id: number; outcome: "failed"; error: string; at: Date };

/** Delivery state of one message, for status queries. */
export interface OutboxMessageView {
  id: number;
  channel: string;
  recipient: string;
  recipientKind: string;
  idempotencyKey: string;
  status: OutboundStatus;
  attempts: number;
  /** Next try for pending rows; for a failed row, when it failed. */
  nextAttemptAt: Date;
  lockedBy: string | null;
  lockedUntil: Date | null;
  wecomMsgId: string | null;
  /** The last error (kept on a row that was delivered after retries). */
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface OutboxListFilter {
  status?: OutboundStatus;
  channel?: string;
  recipient?: string;
  recipientKind?: RecipientKind;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Rows with an id greater than this (paging, oldest first). */
  afterId?: number;
}

/** Which rows count toward one rate-limit scope: a recipient, or every recipient of a kind. */
export interface SendScope {
  channel: string;
  recipientKind: RecipientKind;
  /** Omitted: every recipient of that kind on the channel (e.g. all app chats). */
  recipient?: string;
}

export interface SendsRequest {
  scope: SendScope;
  since: Date;
  limit: number;
}

export interface OutboxRepository {
  /**
   * Adds a message unless one with the same idempotency key exists (then returns that one with
   * `created: false`; INSERT … ON CONFLICT DO NOTHING). Bind the repository to the caller's
   * transaction so the message commits or rolls back with the change that causes it.
   */
  enqueue(input: EnqueueInput): Promise<{ id: number; created: boolean }>;
  /**
   * `enqueue` for many messages in one statement (INSERT … SELECT FROM unnest … ON CONFLICT DO
   * NOTHING): the scheduled pushes write a card per cadre for up to hundreds of thousands of
   * cadres. Returns the idempotency keys that were new. (Added for the daily push, issue 5.)
   */
  enqueueMany(inputs: readonly EnqueueInput[]): Promise<Set<string>>;
  /**
   * Atomically leases up to `limit` due messages to `workerId` until `now + leaseMs`, highest
   * `priority` first, then oldest `nextAttemptAt`: pending ones whose time has come, and `sending` ones whose lease has
   * expired. One UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) statement: concurrent callers
   * never get the same row. Does not count an attempt.
   */
  claimDue(now: Date, limit: number, workerId: string, leaseMs: number): Promise<ClaimedMessage[]>;
  /** True when some message is due (a cheap check before taking the admission lock). */
  hasDue(now: Date): Promise<boolean>;
  /** Messages in `sending` under a lease that has not expired, across all workers. */
  countInFlight(now: Date): Promise<number>;
  /**
   * For each request, in order: send times (newest first, at most `limit`) of messages in its
   * scope sent after `since`, and how many in its scope are `sending` now (leased and attempted),
   * not counting `excludeIds`. One round trip for all requests.
   */
  recentSends(
    requests: readonly SendsRequest[],
    excludeIds: readonly number[],
  ): Promise<{ sentAt: Date[]; inFlight: number }[]>;
  /** Counts one delivery attempt on each leased message (only rows this worker still holds). */
  beginAttempts(ids: readonly number[], workerId: string): Promise<void>;
  /** Hands a leased message back, due at `nextAttemptAt`, without counting an attempt (rate limits). */
  release(id: number, workerId: string, nextAttemptAt: Date): Promise<boolean>;
  /** WeCom accepted it. False when the lease is no longer this worker's. */
  markSent(id: number, workerId: string, wecomMsgId: string | null, at: Date): Promise<boolean>;
  /** A retryable failure: back to pending at `nextAttemptAt`, with the error recorded. */
  markRetry(id: number, workerId: string, error: string, nextAttemptAt: Date): Promise<boolean>;
  /** Given up: failed with the error, never tried again. */
  markFailed(id: number, workerId: string, error: string, at: Date): Promise<boolean>;
  /**
   * `markSent` / `markRetry` / `markFailed` for many messages in one statement, each exactly as
   * the single call would record it (and only while the row is still leased to `workerId`).
   * Returns the ids recorded; the others' leases had moved on. Ids must be distinct.
   */
  markOutcomes(outcomes: readonly OutboxOutcome[], workerId: string): Promise<Set<number>>;
  findByKey(idempotencyKey: string): Promise<OutboxMessageView | null>;
  list(filter?: OutboxListFilter): Promise<OutboxMessageView[]>;
  /** How many messages are in each status (every status present, zeros included). */
  countByStatus(): Promise<Record<OutboundStatus, number>>;
  /** Messages whose key starts with `prefix` that are not yet sent or failed. */
  countUndelivered(keyPrefix: string): Promise<number>;
  /**
   * A member's userid changed (`roster match-wecom`): their messages still waiting (pending, not
   * leased) go to the new userid. Returns how many moved.
   */
  readdressPending(fromUserid: string, toUserid: string): Promise<number>;
  /**
   * Runs `fn` in one transaction holding a database-wide advisory lock, with a repository bound to
   * that transaction. The worker claims, counts rate-limit usage and admits under it, so two
   * instances cannot both admit the 30th message to the same member.
   */
  withAdmissionLock<T>(fn: (repo: OutboxRepository) => Promise<T>): Promise<T>;
}

/** pg_advisory_xact_lock key of the outbox admission step (arbitrary, fixed). */
const ADMISSION_LOCK_KEY = 0x0b_a0_b0_01;

const VIEW_SELECT = {
  id: true,
  channel: true,
  recipient: true,
  recipientKind: true,
  idempotencyKey: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  lockedBy: true,
  lockedUntil: true,
  wecomMsgId: true,
  error: true,
  createdAt: true,
  sentAt: true,
} as const;

/**
 * A timestamp parameter for raw SQL. The columns are `timestamp(3)` holding UTC (Prisma's
 * convention); an ISO string with "Z" read as timestamptz and converted at UTC is right whatever
 * the session TimeZone is.
 */
function utc(d: Date): Prisma.Sql {
  return Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
}

interface ClaimRow {
  id: number;
  channel: string;
  recipient: string;
  recipientKind: string;
  body: Prisma.JsonValue;
  idempotencyKey: string;
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  priority: number;
  prevStatus: string;
  prevLockedBy: string | null;
  prevLockedUntil: Date | null;
}

function toRecipientKind(kind: string): RecipientKind {
  if (kind === "user" || kind === "chat" || kind === "webhook") return kind;
  throw new Error(`OutboundMessage has an unknown recipientKind: ${kind}`);
}

export class PrismaOutboxRepository implements OutboxRepository {
  constructor(private readonly db: Db) {}

  async enqueue(input: EnqueueInput) {
    // Plain SQL: one statement, where Prisma's createMany/createManyAndReturn take ~3× as long here.
    // Without `at`/`notBefore` the times are the database's now() read at UTC (the column
    // convention), whatever the session time zone.
    const createdAt = input.at ? utc(input.at) : Prisma.sql`(now() AT TIME ZONE 'UTC')`;
    const nextAttemptAt = input.notBefore ? utc(input.notBefore) : createdAt;
    const created = await this.db.$queryRaw<{ id: number }[]>`
      INSERT INTO "OutboundMessage"
        ("channel", "recipient", "recipientKind", "body", "idempotencyKey", "nextAttemptAt", "createdAt", "priority")
      VALUES (${input.channel}, ${input.recipient}, ${input.recipientKind}, ${JSON.stringify(input.body)}::jsonb,
              ${input.idempotencyKey}, ${nextAttemptAt}, ${createdAt}, ${input.priority ?? 0}::int)
      ON CONFLICT ("idempotencyKey") DO NOTHING
      RETURNING "id"`;
    const row = created[0];
    if (row) return { id: row.id, created: true };
    // The key exists (committed, or committed by the concurrent transaction the INSERT waited for).
    const existing = await this.db.outboundMessage.findUnique({
      where: { idempotencyKey: input.idempotencyKey },
      select: { id: true },
    });
    if (!existing) throw new Error(`outbox: ${input.idempotencyKey} conflicted but cannot be found`);
    return { id: existing.id, created: false };
  }

  async enqueueMany(inputs: readonly EnqueueInput[]) {
    if (inputs.length === 0) return new Set<string>();
    // Same defaults as `enqueue`: createdAt = at or the database's now() at UTC; nextAttemptAt =
    // notBefore or createdAt.
    // All rows as one JSON parameter, the bodies embedded as JSON: one string a batch, where
    // eight array parameters had every body escaped into an array literal (a province's morning
    // push builds 200,000 of them, and the copies were most of its garbage).
    const rows = inputs.map((i) => ({
      channel: i.channel,
      recipient: i.recipient,
      kind: i.recipientKind,
      body: i.body,
      key: i.idempotencyKey,
      next: i.notBefore?.toISOString() ?? null,
      created: i.at?.toISOString() ?? null,
      priority: i.priority ?? 0,
    }));
    const created = await this.db.$queryRaw<{ idempotencyKey: string }[]>`
      INSERT INTO "OutboundMessage"
        ("channel", "recipient", "recipientKind", "body", "idempotencyKey", "nextAttemptAt", "createdAt", "priority")
      SELECT x.channel, x.recipient, x.kind, x.body, x.key,
             COALESCE(x.next::timestamptz, x.created::timestamptz, now()) AT TIME ZONE 'UTC',
             COALESCE(x.created::timestamptz, now()) AT TIME ZONE 'UTC',
             x.priority
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS x(channel text, recipient text, kind text, body jsonb, key text, next text, created text, priority int)
      ON CONFLICT ("idempotencyKey") DO NOTHING
      RETURNING "idempotencyKey"`;
    return new Set(created.map((row) => row.idempotencyKey));
  }

  async claimDue(now: Date, limit: number, workerId: string, leaseMs: number): Promise<ClaimedMessage[]> {
    if (limit <= 0) return [];
    const leaseUntil = new Date(now.getTime() + leaseMs);
    // Each branch walks the (status, nextAttemptAt) index and locks its candidates, skipping rows
    // another claimer holds; FOR UPDATE re-checks a row against its latest version, so a row claimed
    // and committed meanwhile drops out. (One OR-ed WHERE made PostgreSQL sort every due row on
    // each claim.) A branch may lock a few rows it does not take: they are free again at the end of
    // the statement or transaction.
    const rows = await this.db.$queryRaw<ClaimRow[]>`
      WITH "due" AS (
        SELECT "id", "priority", "nextAttemptAt", 'pending' AS "prevStatus", NULL::text AS "prevLockedBy",
               NULL::timestamp(3) AS "prevLockedUntil"
        FROM "OutboundMessage"
        WHERE "status" = 'pending' AND "nextAttemptAt" <= ${utc(now)}
        ORDER BY "priority" DESC, "nextAttemptAt", "id"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ), "expired" AS (
        SELECT "id", "priority", "nextAttemptAt", 'sending' AS "prevStatus", "lockedBy" AS "prevLockedBy",
               "lockedUntil" AS "prevLockedUntil"
        FROM "OutboundMessage"
        WHERE "status" = 'sending' AND "lockedUntil" <= ${utc(now)}
        ORDER BY "priority" DESC, "nextAttemptAt", "id"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ), "claim" AS (
        SELECT * FROM "due" UNION ALL SELECT * FROM "expired"
        ORDER BY "priority" DESC, "nextAttemptAt", "id"
        LIMIT ${limit}
      )
      UPDATE "OutboundMessage" AS m
      SET "status" = 'sending', "lockedBy" = ${workerId}, "lockedUntil" = ${utc(leaseUntil)}
      FROM "claim" AS c
      WHERE m."id" = c."id"
      RETURNING m."id", m."channel", m."recipient", m."recipientKind", m."body", m."idempotencyKey",
                m."attempts", m."nextAttemptAt", m."createdAt", m."priority",
                c."prevStatus", c."prevLockedBy", c."prevLockedUntil"`;
    return rows
      .map(
        (r): ClaimedMessage => ({
          id: r.id,
          channel: r.channel,
          recipient: r.recipient,
          recipientKind: toRecipientKind(r.recipientKind),
          body: r.body,
          idempotencyKey: r.idempotencyKey,
          attempts: r.attempts,
          nextAttemptAt: r.nextAttemptAt,
          createdAt: r.createdAt,
          priority: r.priority,
          reclaimedFrom:
            r.prevStatus === "sending" && r.prevLockedUntil
              ? { lockedBy: r.prevLockedBy, lockedUntil: r.prevLockedUntil }
              : null,
        }),
      )
      .sort(
        (a, b) =>
          b.priority - a.priority || a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id,
      );
  }

  async hasDue(now: Date) {
    const rows = await this.db.$queryRaw<{ one: number }[]>`
      SELECT 1 AS "one" FROM "OutboundMessage"
      WHERE ("status" = 'pending' AND "nextAttemptAt" <= ${utc(now)})
         OR ("status" = 'sending' AND "lockedUntil" <= ${utc(now)})
      LIMIT 1`;
    return rows.length > 0;
  }

  async countInFlight(now: Date) {
    const rows = await this.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS "n" FROM "OutboundMessage"
      WHERE "status" = 'sending' AND "lockedUntil" > ${utc(now)}`;
    return rows[0]?.n ?? 0;
  }

  async recentSends(requests: readonly SendsRequest[], excludeIds: readonly number[]) {
    if (requests.length === 0) return [];
    const exclude = excludeIds.length
      ? Prisma.sql`AND NOT ("id" = ANY(${[...excludeIds]}::int[]))`
      : Prisma.empty;
    // Per request: its newest send times, and one row with the number in flight.
    const parts = requests.map((r, i) => {
      const where = Prisma.sql`"channel" = ${r.scope.channel} AND "recipientKind" = ${r.scope.recipientKind}
        ${r.scope.recipient === undefined ? Prisma.empty : Prisma.sql`AND "recipient" = ${r.scope.recipient}`}`;
      return Prisma.sql`
        (SELECT ${i}::int AS "req", "sentAt" AS "at", 0 AS "n" FROM "OutboundMessage"
         WHERE ${where} AND "status" = 'sent' AND "sentAt" > ${utc(r.since)}
         ORDER BY "sentAt" DESC LIMIT ${r.limit})
        UNION ALL
        (SELECT ${i}::int, NULL::timestamp(3), count(*)::int FROM "OutboundMessage"
         WHERE ${where} AND "status" = 'sending' ${exclude})`;
    });
    const rows = await this.db.$queryRaw<
      { req: number; at: Date | null; n: number }[]
    >`${Prisma.join(parts, " UNION ALL ")}`;
    const out = requests.map(() => ({ sentAt: [] as Date[], inFlight: 0 }));
    for (const row of rows) {
      const entry = out[row.req];
      if (!entry) continue;
      if (row.at) entry.sentAt.push(row.at);
      else entry.inFlight += row.n;
    }
    for (const entry of out) entry.sentAt.sort((a, b) => b.getTime() - a.getTime());
    return out;
  }

  // The state changes below are plain SQL, one statement each (Prisma's updateMany takes ~3× as
  // long here); each applies only while the row is still leased to `workerId`.

  async beginAttempts(ids: readonly number[], workerId: string) {
    if (ids.length === 0) return;
    await this.db.$executeRaw`
      UPDATE "OutboundMessage" SET "attempts" = "attempts" + 1
      WHERE "id" = ANY(${[...ids]}::int[]) AND "status" = 'sending' AND "lockedBy" = ${workerId}`;
  }

  async release(id: number, workerId: string, nextAttemptAt: Date) {
    const n = await this.db.$executeRaw`
      UPDATE "OutboundMessage"
      SET "status" = 'pending', "nextAttemptAt" = ${utc(nextAttemptAt)}, "lockedBy" = NULL, "lockedUntil" = NULL
      WHERE "id" = ${id} AND "status" = 'sending' AND "lockedBy" = ${workerId}`;
    return n === 1;
  }

  // The single-outcome marks are markOutcomes of one row: one UPDATE defines what each outcome writes.
  async markSent(id: number, workerId: string, wecomMsgId: string | null, at: Date) {
    return (await this.markOutcomes([{ id, outcome: "sent", wecomMsgId, at }], workerId)).has(id);
  }

  async markRetry(id: number, workerId: string, error: string, nextAttemptAt: Date) {
    return (await this.markOutcomes([{ id, outcome: "retry", error, nextAttemptAt }], workerId)).has(id);
  }

  async markFailed(id: number, workerId: string, error: string, at: Date) {
    return (await this.markOutcomes([{ id, outcome: "failed", error, at }], workerId)).has(id);
  }

  async markOutcomes(outcomes: readonly OutboxOutcome[], workerId: string) {
    if (outcomes.length === 0) return new Set<number>();
    if (new Set(outcomes.map((o) => o.id)).size !== outcomes.length) {
      throw new Error("outbox: markOutcomes got the same message twice");
    }
    const status = outcomes.map((o) => (o.outcome === "retry" ? "pending" : o.outcome));
    // sent: the send time; retry: when it is due again; failed: when it failed.
    const at = outcomes.map((o) => (o.outcome === "retry" ? o.nextAttemptAt : o.at).toISOString());
    const msgid = outcomes.map((o) => (o.outcome === "sent" ? o.wecomMsgId : null));
    const error = outcomes.map((o) => (o.outcome === "sent" ? null : o.error));
    // A sent row keeps its error and nextAttemptAt, a retried or failed one its sentAt and
    // wecomMsgId. No failedAt column: a failed row is never due again, so nextAttemptAt records
    // when it failed.
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      UPDATE "OutboundMessage" AS m
      SET "status" = x.status::"OutboundStatus",
          "sentAt" = CASE WHEN x.status = 'sent' THEN x.at::timestamptz AT TIME ZONE 'UTC' ELSE m."sentAt" END,
          "wecomMsgId" = CASE WHEN x.status = 'sent' THEN x.msgid ELSE m."wecomMsgId" END,
          "nextAttemptAt" = CASE WHEN x.status = 'sent' THEN m."nextAttemptAt"
                                 ELSE x.at::timestamptz AT TIME ZONE 'UTC' END,
          "error" = CASE WHEN x.status = 'sent' THEN m."error" ELSE x.error END,
          "lockedBy" = NULL, "lockedUntil" = NULL
      FROM unnest(
        ${outcomes.map((o) => o.id)}::int[], ${status}::text[], ${at}::text[], ${msgid}::text[], ${error}::text[]
      ) AS x(id, status, at, msgid, error)
      WHERE m."id" = x.id AND m."status" = 'sending' AND m."lockedBy" = ${workerId}
      RETURNING m."id"`;
    return new Set(rows.map((r) => r.id));
  }

  findByKey(idempotencyKey: string) {
    return this.db.outboundMessage.findUnique({ where: { idempotencyKey }, select: VIEW_SELECT });
  }

  list(filter: OutboxListFilter = {}) {
    return this.db.outboundMessage.findMany({
      where: {
        status: filter.status,
        channel: filter.channel,
        recipient: filter.recipient,
        recipientKind: filter.recipientKind,
        ...(filter.afterId === undefined ? {} : { id: { gt: filter.afterId } }),
      },
      select: VIEW_SELECT,
      orderBy: { id: "asc" },
      take: Math.min(Math.max(filter.limit ?? 100, 1), 1000),
    });
  }

  countUndelivered(keyPrefix: string) {
    return this.db.outboundMessage.count({
      where: { idempotencyKey: { startsWith: keyPrefix }, status: { in: ["pending", "sending"] } },
    });
  }

  async readdressPending(fromUserid: string, toUserid: string) {
    const { count } = await this.db.outboundMessage.updateMany({
      where: { recipientKind: "user", recipient: fromUserid, status: "pending" },
      data: { recipient: toUserid },
    });
    return count;
  }

  async countByStatus() {
    const groups = await this.db.outboundMessage.groupBy({ by: ["status"], _count: { _all: true } });
    const counts: Record<OutboundStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    for (const g of groups) counts[g.status] = g._count._all;
    return counts;
  }

  async withAdmissionLock<T>(fn: (repo: OutboxRepository) => Promise<T>): Promise<T> {
    const run = async (tx: Db) => {
      // Held until the transaction ends; every statement after it sees what earlier holders committed.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${Prisma.raw(String(ADMISSION_LOCK_KEY))})`;
      return fn(new PrismaOutboxRepository(tx));
    };
    if ("$transaction" in this.db) {
      return this.db.$transaction((tx) => run(tx), { maxWait: 30_000, timeout: 30_000 });
    }
    return run(this.db);
  }
}
