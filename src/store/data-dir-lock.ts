import fs from "node:fs";
import path from "node:path";

/** Who holds the data directory, if anyone. */
export type LockState = { held: true; pid: number } | { held: false };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads the lock file; a lock left by a dead process counts as free. */
export function readLock(dataDir: string): LockState {
  const file = path.join(dataDir, "baobao.lock");
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8").trim(), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) return { held: true, pid };
  } catch {
    // no lock file
  }
  return { held: false };
}

/**
 * Takes the exclusive lock on a data directory (PGlite is single-process). Returns a release
 * function, or the pid of the live holder. A stale lock (dead pid) is replaced.
 */
export function acquireLock(dataDir: string): { ok: true; release: () => void } | { ok: false; pid: number } {
  const file = path.join(dataDir, "baobao.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx", 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return {
        ok: true,
        release: () => {
          try {
            if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const state = readLock(dataDir);
      if (state.held) return { ok: false, pid: state.pid };
      try {
        fs.unlinkSync(file);
      } catch {
        // someone else removed it first; retry
      }
    }
  }
  const state = readLock(dataDir);
  return { ok: false, pid: state.held ? state.pid : -1 };
}
