import type { Config } from "../config";
import { startEmbeddedServer } from "./embedded-server";
import { createPrismaClient, type PrismaClient } from "./prisma-client";

export type DatabaseKind = "embedded" | "postgres";

export interface Database {
  readonly prisma: PrismaClient;
  readonly kind: DatabaseKind;
  /** Connection URL (for migrations); the embedded one points at a Unix socket. */
  readonly url: string;
  /** True when the query round-trips. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Opens the configured database: PostgreSQL when DATABASE_URL is set, otherwise the embedded
 * PGlite in DATA_DIR. `shared` lets a second process (the CLI) use the running server's socket.
 */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir">,
  opts: { shared?: boolean; maxConnections?: number } = {},
): Promise<Database> {
  if (config.databaseUrl) {
    return wrap(config.databaseUrl, "postgres", async () => {}, opts.maxConnections ?? 10);
  }
  const server = await startEmbeddedServer({ dataDir: config.dataDir, shared: opts.shared });
  // One connection: PGlite runs one query at a time anyway, and pglite-socket 0.2.17 mixes up
  // portals when a second connection queries while another holds a transaction open
  // (electric-sql/pglite#1046: "portal \"\" does not exist"). Queries queue in the pool instead.
  return wrap(server.url, "embedded", () => server.close(), 1);
}

/** Wraps an existing URL (used by tests that create their own databases). */
export function wrap(
  url: string,
  kind: DatabaseKind,
  onClose: () => Promise<void>,
  maxConnections = 10,
): Database {
  const prisma = createPrismaClient(url, { maxConnections });
  let closed = false;
  return {
    prisma,
    kind,
    url,
    async ping() {
      try {
        await prisma.$queryRawUnsafe("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await onClose();
    },
  };
}
