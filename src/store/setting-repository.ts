import type { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

export interface SettingRepository {
  get<T = unknown>(key: string): Promise<T | null>;
  set(key: string, value: Prisma.InputJsonValue): Promise<void>;
  /** Sets the key only when absent; returns the stored value either way. */
  setIfAbsent<T extends Prisma.InputJsonValue>(key: string, value: T): Promise<unknown>;
  /**
   * Inside a transaction: holds `key` (present or not) until the transaction ends, so a
   * read-modify-write of it by another transaction waits instead of losing this one's change.
   */
  lock(key: string): Promise<void>;
}

export class PrismaSettingRepository implements SettingRepository {
  constructor(private readonly db: Db) {}

  async get<T = unknown>(key: string): Promise<T | null> {
    const row = await this.db.setting.findUnique({ where: { key }, select: { value: true } });
    return row ? (row.value as T) : null;
  }

  async set(key: string, value: Prisma.InputJsonValue) {
    await this.db.setting.upsert({ where: { key }, create: { key, value }, update: { value } });
  }

  async lock(key: string) {
    await this.db.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`setting:${key}`}))::text`;
  }

  async setIfAbsent<T extends Prisma.InputJsonValue>(key: string, value: T) {
    const row = await this.db.setting.upsert({
      where: { key },
      create: { key, value },
      update: {},
      select: { value: true },
    });
    return row.value;
  }
}
