import { PrismaPg } from "@prisma/adapter-pg";
import { type Prisma, PrismaClient } from "../generated/prisma/client";
import { ReleasingPgClient } from "./releasing-pg-client";

export type { Prisma } from "../generated/prisma/client";
export { PrismaClient };

/** A client or an interactive-transaction client: repositories accept either. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** Creates a Prisma client over adapter-pg (the same path for embedded and external PostgreSQL). */
export function createPrismaClient(url: string, opts: { maxConnections?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    // Without it each connection keeps the result of its first query (see the class).
    Client: ReleasingPgClient,
  });
  return new PrismaClient({ adapter });
}
