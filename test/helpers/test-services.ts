/**
 * The whole service (channels → bot → outbox → HTTP, with the sandbox WeCom emulator) on a fresh
 * test database, listening on a free loopback port: what `npm start` runs, minus migrations by
 * the Prisma CLI and the demo seed.
 */
import crypto from "node:crypto";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { type RunningServices, startServices } from "../../src/main";
import { createIdCipher } from "../../src/store/id-cipher";
import { createTestDb, type TestDb } from "./test-db";
import { makeTempDir } from "./temp-dir";

export interface TestServices extends RunningServices {
  db: TestDb;
  url: string;
}

export async function startTestServices(
  opts: { now?: () => Date; env?: NodeJS.ProcessEnv } = {},
): Promise<TestServices> {
  const db = await createTestDb();
  const tmp = makeTempDir();
  const config = loadConfig({ PORT: "0", DATA_DIR: tmp.dir, LOG_LEVEL: "silent", ...opts.env });
  const running = await startServices({
    config,
    db,
    cipher: createIdCipher(crypto.randomBytes(32)),
    now: opts.now ?? (() => new Date()),
    logger: pino({ level: "silent" }),
    outbox: { pollIntervalMs: 50 },
  });
  const stop = running.stop;
  return {
    ...running,
    db,
    url: `http://127.0.0.1:${running.port}`,
    stop: async () => {
      await stop();
      tmp.cleanup();
    },
  };
}

/** A county → township → village tree with a few cadres. */
export async function seedSmallTownship(s: RunningServices) {
  const county = await s.store.regions.create({ code: "C", name: "示范县", level: "county" });
  const township = await s.store.regions.create({
    code: "T",
    name: "示范镇",
    level: "township",
    parentId: county.id,
  });
  const village = await s.store.regions.create({
    code: "V",
    name: "青山村",
    level: "village",
    parentId: township.id,
  });
  const guarantor = await s.store.cadres.create({
    userid: "wangli",
    name: "王丽",
    roles: ["guarantor"],
    homeRegionId: village.id,
  });
  const leader = await s.store.cadres.create({
    userid: "zhoujg",
    name: "周建国",
    roles: ["township_leader"],
    homeRegionId: township.id,
  });
  return { county, township, village, guarantor, leader };
}

/** A delivery as the sandbox API returns it, with the parts of the WeCom body the tests read. */
export interface SandboxReply {
  seq: number;
  at: string;
  api: string;
  msgtype: string;
  body: {
    touser?: string;
    text: { content: string };
    template_card: {
      task_id: string;
      button_selection: { option_list: { id: string; text: string }[] };
    };
  };
}

/** What the sandbox message and card-click endpoints answer. */
export interface SandboxAnswer {
  replies: SandboxReply[];
  error?: string;
  message?: string;
}

/** POST JSON to the sandbox API and parse the answer. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; json: SandboxAnswer }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as SandboxAnswer };
}
