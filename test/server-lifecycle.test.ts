/**
 * `npm start` as an operator runs it: a real process, migrations through the Prisma CLI, the demo
 * seed, /healthz; then the CLI beside it, a refused second server, a restart that keeps the data.
 */
import type { ChildProcess } from "node:child_process";
import { run } from "../src/cli/main";
import { main } from "../src/main";
import { freePort } from "./helpers/free-port";
import { spawnTsx, waitFor } from "./helpers/spawn-tsx";
import { makeTempDir } from "./helpers/temp-dir";
import { createThrowawayPostgres } from "./helpers/throwaway-postgres";

jest.setTimeout(240_000);

const pgAdmin = process.env.TEST_DATABASE_URL;
let tmp: ReturnType<typeof makeTempDir>;
let env: NodeJS.ProcessEnv;
let dropDb: (() => Promise<void>) | undefined;
const expectedDb = pgAdmin ? "postgres" : "embedded";

beforeAll(async () => {
  tmp = makeTempDir();
  env = { DATA_DIR: tmp.dir, PORT: String(await freePort()), LOG_LEVEL: "warn" };
  if (pgAdmin) {
    const db = await createThrowawayPostgres(pgAdmin);
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
});
afterAll(async () => {
  await dropDb?.();
  tmp.cleanup();
});

async function health(): Promise<{ status: number; body: unknown } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${env.PORT}/healthz`);
    return { status: res.status, body: await res.json() };
  } catch {
    return null;
  }
}

async function startServer(): Promise<ChildProcess> {
  const { child, stderr } = spawnTsx("src/main.ts", env);
  await waitFor(
    async () => child.exitCode !== null || (await health())?.status === 200,
    120_000,
    "healthy server",
  ).catch((err) => {
    throw new Error(`${err.message}\n${stderr()}`);
  });
  if (child.exitCode !== null) throw new Error(`server exited: ${stderr()}`);
  return child;
}

async function stopServer(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  return exited;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(["node", "baobao", ...args], env, {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  });
  return { code, out, err };
}

test("start, serve, share with the CLI, refuse a second server, restart with data kept", async () => {
  const first = await startServer();
  expect(await health()).toEqual({ status: 200, body: { status: "ok", mode: "sandbox", db: expectedDb } });
  const metrics = await fetch(`http://127.0.0.1:${env.PORT}/metrics`);
  expect(await metrics.text()).toContain("baobao_http_requests_total");

  // The CLI works while the server runs (embedded: through the server's socket).
  const status = await cli("db", "status", "--json");
  expect(status.err).toBe("");
  expect(status.code).toBe(0);
  const parsed = JSON.parse(status.out);
  expect(parsed).toMatchObject({ db: expectedDb, pending: [], failed: [] });
  expect(parsed.counts.subjects).toBeGreaterThanOrEqual(55);
  const subjectsBefore = parsed.counts.subjects as number;
  const visitsBefore = parsed.counts.visits as number;

  if (!pgAdmin) {
    // A second server on the same data directory is refused with a clear message.
    await expect(main({ ...env, PORT: "0" })).rejects.toMatchObject({ code: "data_dir_locked" });
  }

  expect(await stopServer(first)).toBe(0);
  expect(await health()).toBeNull();

  const second = await startServer();
  try {
    const again = JSON.parse((await cli("db", "status", "--json")).out);
    expect(again.counts.subjects).toBe(subjectsBefore);
    expect(again.counts.visits).toBe(visitsBefore);
  } finally {
    expect(await stopServer(second)).toBe(0);
  }
});

test("partial WeCom configuration refuses to start, naming what is missing", async () => {
  const { child, stderr } = spawnTsx("src/main.ts", { ...env, WECOM_CORP_ID: "ww1", WECOM_SECRET: "s" });
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  expect(code).toBe(1);
  expect(stderr()).toContain("缺少 WECOM_AGENT_ID、WECOM_TOKEN、WECOM_ENCODING_AES_KEY");
});

test("CLI help and errors are in Chinese with a non-zero exit on failure", async () => {
  const help = await cli("--help");
  expect(help.code).toBe(0);
  expect(help.out).toContain("包保助手运维命令行");
  expect(help.out).toContain("用法：");
  const bad = await cli("nope");
  expect(bad.code).not.toBe(0);
  expect(bad.err).toContain("未知命令");
});
