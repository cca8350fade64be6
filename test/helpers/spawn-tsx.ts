import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Spawns a TypeScript entry point in ONE node process with tsx's require hook (as `npm start`
 * does), so a kill reaches the process that holds the database. stdout lines go to onLine.
 */
export function spawnTsx(
  entry: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void = () => {},
): { child: ChildProcess; stderr: () => string } {
  const { NODE_OPTIONS: _ignored, ...rest } = process.env;
  const child = spawn(process.execPath, ["--require", "tsx/cjs", path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...rest, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buf = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    let i = buf.indexOf("\n");
    while (i >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
      i = buf.indexOf("\n");
    }
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return { child, stderr: () => err };
}

/** Resolves when `check` is true, polling; rejects after `ms`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
