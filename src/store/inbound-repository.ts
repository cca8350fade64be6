import type { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";
import { isUniqueViolation } from "./unique-violation";

export interface NewInbound {
  channel: string;
  externalId: string;
  fromUser: string;
  msgType: string;
  payload: Prisma.InputJsonValue;
  receivedAt: Date;
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
  record(input: NewInbound): Promise<{ id: number; duplicate: boolean }>;
  /**
   * Claims a received message for processing (received → processed). Call inside the
   * transaction that does the work: if it rolls back, the message is received again.
   */
  claim(id: number, at: Date): Promise<boolean>;
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
    try {
      const row = await this.db.inboundMessage.create({ data: input, select: { id: true } });
      return { id: row.id, duplicate: false };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const row = await this.db.inboundMessage.findUniqueOrThrow({
        where: { channel_externalId: { channel: input.channel, externalId: input.externalId } },
        select: { id: true },
      });
      return { id: row.id, duplicate: true };
    }
  }

  async claim(id: number, at: Date) {
    const res = await this.db.inboundMessage.updateMany({
      where: { id, status: "received" },
      data: { status: "processed", processedAt: at },
    });
    return res.count === 1;
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
