import type { StoredToken, TokenStore } from "../wecom/token-store";
import type { PrismaClient } from "./prisma-client";

/**
 * WeCom access tokens in the database, shared by every instance. `lock` holds a PostgreSQL
 * advisory lock for the refresh, so only one instance calls gettoken while the others wait and
 * then read the token it stored.
 *
 * Only for PostgreSQL: the embedded database has a single process (no one to coordinate with),
 * and its socket multiplexer runs nothing from other connections while a transaction is open, so
 * the refresh inside the lock would wait for itself.
 */
export class PrismaTokenStore implements TokenStore {
  readonly lock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly prisma: PrismaClient,
    opts: { advisoryLock: boolean },
  ) {
    if (opts.advisoryLock) this.lock = (key, fn) => this.withLock(key, fn);
  }

  async get(key: string): Promise<StoredToken | null> {
    const row = await this.prisma.setting.findUnique({
      where: { key: `token:${key}` },
      select: { value: true },
    });
    const v = row?.value as { token?: string; expiresAt?: string } | undefined;
    return v?.token && v.expiresAt ? { token: v.token, expiresAt: new Date(v.expiresAt) } : null;
  }

  async set(key: string, token: string, expiresAt: Date): Promise<void> {
    const value = { token, expiresAt: expiresAt.toISOString() };
    await this.prisma.setting.upsert({
      where: { key: `token:${key}` },
      create: { key: `token:${key}`, value },
      update: { value },
    });
  }

  private withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`token:${key}`}))::text`;
        return fn();
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
  }
}
