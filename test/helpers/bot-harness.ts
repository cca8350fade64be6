/**
 * The bot on a fresh test database, driven through `bot.handle` exactly as the callback does:
 * each message is stored as an inbound record first, then handled; replies are read back from
 * the outbox.
 */
import crypto from "node:crypto";
import pino from "pino";
import { createBot } from "../../src/bot/bot";
import type { ConversationDeps, TaskList } from "../../src/bot/commands/command-context";
import { createDispatcher } from "../../src/bot/dispatch";
import { loadTemplates } from "../../src/bot/templates";
import type { WecomEvent } from "../../src/wecom/events";
import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import { createIdCipher } from "../../src/store/id-cipher";
import { createStore, type Store } from "../../src/store/store";
import { createTestDb, type TestDb } from "./test-db";

export interface Reply {
  to: string;
  text: string;
  body: Record<string, unknown>;
}

export interface BotHarness {
  db: TestDb;
  store: Store;
  clock: { now: Date };
  ids: Record<string, number>;
  /** Sends a text as `from`; resolves to every message the bot enqueued in response. */
  say(from: string, content: string): Promise<Reply[]>;
  /** Sends any event (card click, image, location…). */
  send(
    from: string,
    event: Omit<WecomEvent, "corpId" | "fromUserId" | "createTime" | "agentId" | "dedupeKey">,
  ): Promise<Reply[]>;
  /** Gives the cadre a numbered list, as if the daily card had just arrived. */
  setList(userid: string, names: string[]): Promise<void>;
  close(): Promise<void>;
}

let seq = 0;

export async function createBotHarness(opts: {
  now: Date;
  listTasks?: ConversationDeps["listTasks"];
}): Promise<BotHarness> {
  const db = await createTestDb();
  const store = createStore(db.prisma, createIdCipher(crypto.randomBytes(32)));
  const clock = { now: opts.now };
  const templates = loadTemplates();
  const ids: Record<string, number> = {};
  const listTasks =
    opts.listTasks ??
    (async (repos, cadreId: number): Promise<TaskList> => {
      const subjects = await repos.conversation.guaranteedSubjects(cadreId, clock.now);
      return {
        date: "2026-11-24",
        items: subjects
          .filter((s) => s.status === "active")
          .map((s) => ({ subjectId: s.id, name: s.name, label: s.category, state: "" })),
      };
    });
  const bot = createBot({
    store,
    templates,
    dispatch: createDispatcher({ tz: "Asia/Shanghai", listTasks }),
    now: () => clock.now,
    logger: pino({ level: "silent" }),
  });

  // A township with two villages; 王丽 guarantees four people (two named 张三), 赵强 one.
  const county = await store.regions.create({ code: "C", name: "示范县", level: "county" });
  const township = await store.regions.create({
    code: "T",
    name: "示范镇",
    level: "township",
    parentId: county.id,
  });
  const v1 = await store.regions.create({
    code: "V1",
    name: "青山村",
    level: "village",
    parentId: township.id,
  });
  const v2 = await store.regions.create({
    code: "V2",
    name: "河口村",
    level: "village",
    parentId: township.id,
  });
  const cadres: [
    string,
    string,
    ("guarantor" | "village_leader" | "township_leader" | "police")[],
    number,
  ][] = [
    ["wangli", "王丽", ["guarantor"], v1.id],
    ["zhaoqiang", "赵强", ["guarantor"], v2.id],
    ["wangdefu", "王德富", ["village_leader", "guarantor"], v1.id],
    ["zhoujg", "周建国", ["township_leader"], township.id],
    ["liujg", "刘警官", ["police"], township.id],
  ];
  for (const [userid, name, roles, regionId] of cadres) {
    ids[userid] = (await store.cadres.create({ userid, name, roles, homeRegionId: regionId })).id;
  }
  const subjects: [
    string,
    number,
    "mental_disorder" | "drug_rehab" | "elderly_alone",
    string,
    string,
    number,
  ][] = [
    ["张三", v1.id, "mental_disorder", "risk2", "wangli", 1980],
    ["李四", v1.id, "drug_rehab", "medium", "wangli", 1990],
    ["王秀英", v1.id, "elderly_alone", "high", "wangli", 1945],
    ["张三", v2.id, "elderly_alone", "key", "wangli", 1950],
    ["孙六", v2.id, "drug_rehab", "low", "zhaoqiang", 1985],
  ];
  for (const [name, regionId, category, level, guarantor, year] of subjects) {
    const s = await store.subjects.create({
      name,
      regionId,
      category,
      level,
      birthDate: new Date(Date.UTC(year, 5, 1)),
    });
    ids[`${name}@${regionId === v1.id ? "V1" : "V2"}`] = s.id;
    await db.prisma.guarantee.create({
      data: { subjectId: s.id, cadreId: ids[guarantor]!, startDate: new Date("2026-01-01") },
    });
  }
  await db.prisma.cadencePolicy.createMany({
    data: DEFAULT_CADENCE_POLICIES.map((p) => ({ ...p, intervalDays: p.intervalDays ?? null })),
  });

  async function handle(from: string, event: Record<string, unknown>): Promise<Reply[]> {
    seq++;
    const dedupeKey = `test:${seq}`;
    const full = {
      corpId: "ww",
      fromUserId: from,
      createTime: Math.floor(clock.now.getTime() / 1000),
      agentId: 1,
      dedupeKey,
      ...event,
    } as WecomEvent;
    const before = await db.prisma.outboundMessage.findFirst({
      orderBy: { id: "desc" },
      select: { id: true },
    });
    const stored = await store.inbound.record({
      channel: "app",
      externalId: dedupeKey,
      fromUser: from,
      msgType: full.type,
      payload: {},
      receivedAt: clock.now,
    });
    await bot.handle({ channel: "app", inboundId: stored.id, event: full, receivedAt: clock.now });
    const rows = await db.prisma.outboundMessage.findMany({
      where: { id: { gt: before?.id ?? 0 } },
      orderBy: { id: "asc" },
    });
    return rows.map((r) => {
      const body = r.body as Record<string, unknown>;
      const textBody = body.text as { content?: string } | undefined;
      return { to: r.recipient, text: textBody?.content ?? "", body };
    });
  }

  return {
    db,
    store,
    clock,
    ids,
    say: (from, content) => handle(from, { type: "text", msgId: `m${seq + 1}`, content }),
    send: (from, event) => handle(from, event as Record<string, unknown>),
    async setList(userid, names) {
      const items = names.map((key, i) => ({ n: i + 1, subjectId: ids[key]!, name: key.split("@")[0]! }));
      await store.conversation.saveList(ids[userid]!, "daily", "2026-11-24", items, clock.now);
    },
    close: () => db.close(),
  };
}
