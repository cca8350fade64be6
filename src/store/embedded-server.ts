import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { acquireLock, readLock } from "./data-dir-lock";

/** Raised when the embedded database cannot be opened; the message is for the operator. */
export class EmbeddedDatabaseError extends Error {
  readonly code: "data_dir_locked" | "embedded_start_failed";
  constructor(code: EmbeddedDatabaseError["code"], message: string) {
    super(message);
    this.name = "EmbeddedDatabaseError";
    this.code = code;
  }
}

export interface EmbeddedServer {
  /** postgresql:// URL that reaches the socket (for adapter-pg and `prisma migrate`). */
  readonly url: string;
  /** True when this process owns PGlite; false when it connected to another process's socket. */
  readonly owner: boolean;
  close(): Promise<void>;
}

// pg connects to `${host}/.s.PGSQL.${port}`, so the socket gets that name inside run/.
const SOCKET_NAME = ".s.PGSQL.5432";

export function socketDir(dataDir: string): string {
  return path.join(dataDir, "run");
}

export function socketUrl(dir: string): string {
  return `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`;
}

/**
 * Opens the embedded PostgreSQL (PGlite) stored in `dataDir/pgdata` and serves it on a Unix
 * socket in `dataDir/run` (owner-only: it has no authentication). When another live process
 * already owns the directory, `shared: true` connects to that process's socket instead; otherwise
 * it fails with a clear message.
 */
export async function startEmbeddedServer(opts: {
  dataDir: string;
  shared?: boolean;
  maxConnections?: number;
}): Promise<EmbeddedServer> {
  const { dataDir } = opts;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const runDir = socketDir(dataDir);
  const lock = acquireLock(dataDir);
  if (!lock.ok) {
    const socketPath = path.join(runDir, SOCKET_NAME);
    if (opts.shared && fs.existsSync(socketPath)) {
      return { url: socketUrl(runDir), owner: false, close: async () => {} };
    }
    throw new EmbeddedDatabaseError(
      "data_dir_locked",
      `数据目录 ${dataDir} 正被另一个包保助手进程（PID ${lock.pid}）使用。内置数据库同一时间只能由一个进程打开：请先停止该进程，或改用 DATABASE_URL 连接 PostgreSQL。`,
    );
  }

  try {
    fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(runDir, 0o700);
    const socketPath = path.join(runDir, SOCKET_NAME);
    fs.rmSync(socketPath, { force: true });
    const db = await PGlite.create({ dataDir: path.join(dataDir, "pgdata") });
    const server = new PGLiteSocketServer({
      db,
      path: socketPath,
      maxConnections: opts.maxConnections ?? 16,
    });
    await server.start();
    fs.chmodSync(socketPath, 0o600);
    let closed = false;
    return {
      url: socketUrl(runDir),
      owner: true,
      close: async () => {
        if (closed) return;
        closed = true;
        await server.stop();
        await db.close();
        fs.rmSync(socketPath, { force: true });
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw new EmbeddedDatabaseError(
      "embedded_start_failed",
      `无法打开内置数据库（${dataDir}）：${(err as Error).message}`,
    );
  }
}

/** Whether a live process holds the data directory. */
export function isDataDirInUse(dataDir: string): boolean {
  return readLock(dataDir).held;
}
