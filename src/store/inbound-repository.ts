import type { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

export interface NewInbound {
  channel: string;
  externalId: string;
  fromUser: string;
  msgType: string;
  payload: Prisma.InputJsonValue;
  receivedAt: Date;
}

export interface RecordedInbound {
  id: number;
  /** This (channel, externalId) was stored before (a redelivery): do not hand it on again. */
  duplicate: boolean;
}

export interface InboundRow {
  id: number;
  channel: string;
  externalId: string;
  fromUser: string;
  msgType: string;
  payload: unknown;
  status: "received" | "processed" | "failed";
  receivedAt: Date;
}

export interface InboundRepository {
  /** Stores a message before WeCom is answered; `duplicate` when this (channel, id) was seen. */
  record(input: NewInbound): Promise<RecordedInbound>;
  /**
   * `record` for many messages in one INSERT (group commit of concurrent callbacks), results in
   * input order. A (channel, externalId) repeated within `inputs` is stored once: the first
   * occurrence is new, the others are duplicates with the same id.
   */
  recordMany(inputs: readonly NewInbound[]): Promise<RecordedInbound[]>;
  /**
   * Claims a received message for processing (received → processed). Call inside the
   * transaction that does the work: if it rolls back, the message is received again.
   */
  claim(id: number, at: Date): Promise<boolean>;
  /** `claim` for many messages in one UPDATE; returns the ids this call claimed. */
  claimMany(ids: readonly number[], at: Date): Promise<Set<number>>;
  /**
   * Undoes `claimMany` for messages the same transaction did not handle after all (processed →
   * received), so they are handled later.
   */
  unclaimMany(ids: readonly number[]): Promise<void>;
  markFailed(id: number, error: string, at: Date): Promise<void>;
  find(id: number): Promise<InboundRow | null>;
  findByKey(channel: string, externalId: string): Promise<InboundRow | null>;
  /** Received but not processed before `before` (a crash between ack and processing). */
  listStranded(before: Date, limit: number): Promise<InboundRow[]>;
  count(filter?: { channel?: string; status?: InboundRow["status"] }): Promise<number>;
}

const select = {
  id: true,
  channel: true,
  externalId: true,
  fromUser: true,
  msgType: true,
  payload: true,
  status: true,
  receivedAt: true,
} as const;

export class PrismaInboundRepository implements InboundRepository {
  constructor(private readonly db: Db) {}

  async record(input: NewInbound) {
    const [result] = await this.recordMany([input]);
    if (!result) throw new Error("inbound: record returned nothing");
    return result;
  }

  // The hot path of every callback: plain SQL, one statement for the new rows (Prisma's create
  // costs several times the CPU of a raw statement) and a second only for redeliveries.
  async recordMany(inputs: readonly NewInbound[]): Promise<RecordedInbound[]> {
    if (inputs.length === 0) return [];
    const keyOf = (i: { channel: string; externalId: string }) => JSON.stringify([i.channel, i.externalId]);
    /** Index of the first input with each key: only that one is inserted. */
    const first = new Map<string, number>();
    inputs.forEach((input, i) => {
      if (!first.has(keyOf(input))) first.set(keyOf(input), i);
    });
    const unique = [...first.values()].map((i) => inputs[i] as NewInbound);
    // The columns are timestamp(3) holding UTC (Prisma's convention): an ISO string read as
    // timestamptz and converted at UTC is right whatever the session TimeZone is.
    const created = await this.db.$queryRaw<{ id: number; channel: string; externalId: string }[]>`
      INSERT INTO "InboundMessage" ("channel", "externalId", "fromUser", "msgType", "payload", "receivedAt")
      SELECT x.channel, x.external, x.sender, x.type, x.payload::jsonb, x.received::timestamptz AT TIME ZONE 'UTC'
      FROM unnest(
        ${unique.map((i) => i.channel)}::text[], ${unique.map((i) => i.externalId)}::text[],
        ${unique.map((i) => i.fromUser)}::text[], ${unique.map((i) => i.msgType)}::text[],
        ${unique.map((i) => JSON.stringify(i.payload))}::text[],
        ${unique.map((i) => i.receivedAt.toISOString())}::text[]
      ) WITH ORDINALITY AS x(channel, external, sender, type, payload, received, ord)
      ORDER BY x.ord
      ON CONFLICT ("channel", "externalId") DO NOTHING
      RETURNING "id", "channel", "externalId"`;
    const ids = new Map<string, { id: number; duplicate: boolean }>();
    for (const row of created) ids.set(keyOf(row), { id: row.id, duplicate: false });
    const seen = unique.filter((i) => !ids.has(keyOf(i)));
    if (seen.length > 0) {
      // Stored before (committed, or committed by the concurrent transaction the INSERT waited
      // for): a new statement sees it.
      const rows = await this.db.$queryRaw<{ id: number; channel: string; externalId: string }[]>`
        SELECT m."id", m."channel", m."externalId"
        FROM "InboundMessage" AS m
        JOIN unnest(${seen.map((i) => i.channel)}::text[], ${seen.map((i) => i.externalId)}::text[])
          AS x(channel, external) ON m."channel" = x.channel AND m."externalId" = x.external`;
      for (const row of rows) ids.set(keyOf(row), { id: row.id, duplicate: true });
    }
    return inputs.map((input, i) => {
      const stored = ids.get(keyOf(input));
      if (!stored)
        throw new Error(`inbound: ${input.channel}/${input.externalId} conflicted but cannot be found`);
      return { id: stored.id, duplicate: stored.duplicate || first.get(keyOf(input)) !== i };
    });
  }

  async claim(id: number, at: Date) {
    return (await this.claimMany([id], at)).has(id);
  }

  async claimMany(ids: readonly number[], at: Date) {
    if (ids.length === 0) return new Set<number>();
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      UPDATE "InboundMessage"
      SET "status" = 'processed', "processedAt" = ${at.toISOString()}::timestamptz AT TIME ZONE 'UTC'
      WHERE "id" = ANY(${[...ids]}::int[]) AND "status" = 'received'
      RETURNING "id"`;
    return new Set(rows.map((r) => r.id));
  }

  async unclaimMany(ids: readonly number[]) {
    if (ids.length === 0) return;
    await this.db.$executeRaw`
      UPDATE "InboundMessage" SET "status" = 'received', "processedAt" = NULL
      WHERE "id" = ANY(${[...ids]}::int[]) AND "status" = 'processed'`;
  }

  async markFailed(id: number, error: string, at: Date) {
    await this.db.inboundMessage.updateMany({
      where: { id, status: "received" },
      data: { status: "failed", error: error.slice(0, 2000), processedAt: at },
    });
  }

  findByKey(channel: string, externalId: string) {
    return this.db.inboundMessage.findUnique({
      where: { channel_externalId: { channel, externalId } },
      select,
    });
  }

  find(id: number) {
    return this.db.inboundMessage.findUnique({ where: { id }, select });
  }

  listStranded(before: Date, limit: number) {
    return this.db.inboundMessage.findMany({
      where: { status: "received", receivedAt: { lt: before } },
      select,
      orderBy: { id: "asc" },
      take: limit,
    });
  }

  count(filter: { channel?: string; status?: InboundRow["status"] } = {}) {
    return this.db.inboundMessage.count({ where: filter });
  }
}
