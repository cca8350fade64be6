/**
 * The bot's queue: messages that arrive together are handled in shared transactions, each once,
 * in arrival order, each with its own reply; a message whose command throws fails alone.
 */
import crypto from "node:crypto";
import pino from "pino";
import { createBot, type Dispatcher } from "../../src/bot/bot";
import { createDispatcher } from "../../src/bot/dispatch";
import { loadTemplates } from "../../src/bot/templates";
import type { InboundEnvelope } from "../../src/channels/inbound-envelope";
import { createIdCipher } from "../../src/store/id-cipher";
import { createStore, type Store } from "../../src/store/store";
import { parseWecomEvent } from "../../src/wecom/events";
import { parseXmlRoot } from "../../src/wecom/xml";
import { createTestDb, type TestDb } from "../helpers/test-db";

const NOW = new Date("2026-11-24T02:00:00Z");
let db: TestDb;
let store: Store;
const templates = loadTemplates();

beforeAll(async () => {
  db = await createTestDb();
  store = createStore(db.prisma, createIdCipher(crypto.randomBytes(32)));
  const county = await store.regions.create({ code: "C", name: "示范县", level: "county" });
  for (let i = 0; i < 5; i++) {
    await store.cadres.create({
      userid: `u${i}`,
      name: `干部${i}`,
      roles: ["guarantor"],
      homeRegionId: county.id,
    });
  }
});
afterAll(() => db.close());

let msgId = 1000;
/** Stores a text message as the callback does and returns its envelope. */
async function stored(from: string, content: string): Promise<InboundEnvelope> {
  const id = String(msgId++);
  const xml =
    `<xml><ToUserName><![CDATA[corp]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>1764000000</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${id}</MsgId><AgentID>1</AgentID></xml>`;
  const event = parseWecomEvent(parseXmlRoot(xml));
  const row = await store.inbound.record({
    channel: "app",
    externalId: event.dedupeKey,
    fromUser: from,
    msgType: event.type,
    payload: { xml },
    receivedAt: NOW,
  });
  return { channel: "app", inboundId: row.id, event, receivedAt: NOW };
}

/** The store, counting transactions. */
function counted(): { store: Store; transactions: () => number } {
  let n = 0;
  return {
    store: {
      ...store,
      transaction: (fn, opts) => {
        n++;
        return store.transaction(fn, opts);
      },
    },
    transactions: () => n,
  };
}

async function outbox(keyPrefix: string) {
  return db.prisma.outboundMessage.findMany({
    where: { idempotencyKey: { startsWith: keyPrefix } },
    select: { idempotencyKey: true, recipient: true, body: true },
    orderBy: { id: "asc" },
  });
}

const real = createDispatcher({
  tz: "Asia/Shanghai",
  listTasks: async () => ({ date: "2026-11-24", items: [] }),
});

test("messages arriving together share transactions; each is handled once, in order, with its own reply; one that throws fails alone", async () => {
  const order: number[] = [];
  const dispatch: Dispatcher = async (ctx) => {
    order.push(ctx.envelope.inboundId);
    if (ctx.event.type === "text" && ctx.event.content === "故障") throw new Error("command exploded");
    return real(ctx);
  };
  const c = counted();
  const bot = createBot({
    store: c.store,
    templates,
    dispatch,
    now: () => NOW,
    logger: pino({ level: "silent" }),
    batchSize: 8,
  });
  const envelopes: InboundEnvelope[] = [];
  for (let i = 0; i < 30; i++) envelopes.push(await stored(`u${i % 5}`, "帮助"));
  envelopes.splice(17, 0, await stored("u2", "故障"));
  envelopes.push(await stored("stranger", "帮助"));

  await Promise.all(envelopes.map((e) => bot.handle(e)));
  expect(bot.backlog()).toBe(0);

  // 32 messages: the first alone, the rest 8 at a time; the batch with the bad message is
  // retried one message per transaction, and its failure is recorded in one more.
  expect(c.transactions()).toBeLessThan(32);
  const bad = envelopes[17] as InboundEnvelope;
  const good = envelopes.filter((e) => e !== bad);
  for (const e of good) {
    const replies = await outbox(`reply:app:${e.inboundId}#`);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.recipient).toBe(e.event.fromUserId);
    expect((await store.inbound.find(e.inboundId))?.status).toBe("processed");
  }
  const stranger = await outbox(`reply:app:${envelopes.at(-1)?.inboundId}#`);
  expect(JSON.stringify(stranger[0]?.body)).toContain(templates.render("unknown-sender").slice(0, 8));
  expect((await store.inbound.find(bad.inboundId))?.status).toBe("failed");
  expect(await outbox(`reply:app:${bad.inboundId}#`)).toHaveLength(0);
  expect(await outbox(`error:app:${bad.inboundId}#`)).toHaveLength(1);
  expect(await outbox("error:")).toHaveLength(1);

  // Arrival order, within batches and across the retry of the failed batch.
  const firstPass = order.filter((id, i) => order.indexOf(id) === i);
  expect(firstPass).toEqual(envelopes.slice(0, -1).map((e) => e.inboundId));
});

test("the same message handed over twice, or again after it was handled, is handled once", async () => {
  let calls = 0;
  const bot = createBot({
    store,
    templates,
    dispatch: async (ctx) => {
      calls++;
      return real(ctx);
    },
    now: () => NOW,
    logger: pino({ level: "silent" }),
  });
  const e = await stored("u1", "帮助");
  const other = await stored("u3", "帮助");
  await Promise.all([bot.handle(e), bot.handle(other), bot.handle({ ...e }), bot.handle(e)]);
  await bot.handle(e); // e.g. the stranded-message sweep, too late
  expect(calls).toBe(2);
  expect(await outbox(`reply:app:${e.inboundId}#`)).toHaveLength(1);
  expect(await outbox(`reply:app:${other.inboundId}#`)).toHaveLength(1);
});

test("a batch that fails on the database is retried message by message and loses nothing", async () => {
  // The second transaction (the first message runs alone, the next three queue up behind it and
  // share one) fails at commit as a lost connection would; the retries succeed.
  let n = 0;
  const flaky: Store = {
    ...store,
    transaction: (fn, opts) => {
      if (++n === 2) {
        return store.transaction(async (repos) => {
          await fn(repos);
          throw new Error("connection lost at commit");
        }, opts);
      }
      return store.transaction(fn, opts);
    },
  };
  const bot = createBot({
    store: flaky,
    templates,
    dispatch: real,
    now: () => NOW,
    logger: pino({ level: "silent" }),
  });
  const envelopes = await Promise.all(["u0", "u1", "u2", "u3"].map((u) => stored(u, "帮助")));
  await Promise.all(envelopes.map((e) => bot.handle(e)));
  expect(n).toBe(5);
  for (const e of envelopes) {
    expect(await outbox(`reply:app:${e.inboundId}#`)).toHaveLength(1);
    expect(await outbox(`error:app:${e.inboundId}#`)).toHaveLength(0);
    expect((await store.inbound.find(e.inboundId))?.status).toBe("processed");
  }
});

test("beyond the backlog limit messages wait in the database, then are handled in arrival order", async () => {
  const order: number[] = [];
  const bot = createBot({
    store,
    templates,
    dispatch: async (ctx) => {
      order.push(ctx.envelope.inboundId);
      return real(ctx);
    },
    now: () => NOW,
    logger: pino({ level: "silent" }),
    batchSize: 2,
    maxBacklog: 4,
  });
  const envelopes: InboundEnvelope[] = [];
  for (let i = 0; i < 13; i++) envelopes.push(await stored(`u${i % 5}`, "帮助"));
  await Promise.all(envelopes.map((e) => bot.handle(e)));
  await bot.idle();
  expect(bot.backlog()).toBe(0);
  expect(order).toEqual(envelopes.map((e) => e.inboundId));
  for (const e of envelopes) expect(await outbox(`reply:app:${e.inboundId}#`)).toHaveLength(1);
});

test("recover() handles messages stored but never handed over, and marks an unreadable one failed", async () => {
  const bot = createBot({
    store,
    templates,
    dispatch: real,
    now: () => NOW,
    logger: pino({ level: "silent" }),
  });
  const stranded = [await stored("u0", "帮助"), await stored("u4", "帮助")];
  const broken = await store.inbound.record({
    channel: "app",
    externalId: "broken-1",
    fromUser: "u1",
    msgType: "text",
    payload: { xml: "<xml><MsgType>text</MsgType>" },
    receivedAt: NOW,
  });
  // Received after `before`: left for a later sweep.
  const later = await store.inbound.record({
    channel: "app",
    externalId: "later-1",
    fromUser: "u1",
    msgType: "text",
    payload: { xml: "<xml/>" },
    receivedAt: new Date(NOW.getTime() + 60_000),
  });
  expect(await bot.recover(new Date(NOW.getTime() + 1), 100)).toBe(3);
  for (const e of stranded) {
    expect((await store.inbound.find(e.inboundId))?.status).toBe("processed");
    expect(await outbox(`reply:app:${e.inboundId}#`)).toHaveLength(1);
  }
  expect((await store.inbound.find(broken.id))?.status).toBe("failed");
  expect((await store.inbound.find(later.id))?.status).toBe("received");
  await db.sql(`UPDATE "InboundMessage" SET "status" = 'failed' WHERE "id" = $1`, [later.id]);
});

test("yieldWhen cuts a batch short: the rest are released, then handled once each, in order", async () => {
  const order: number[] = [];
  const c = counted();
  let yieldNow = false;
  const bot = createBot({
    store: c.store,
    templates,
    dispatch: async (ctx) => {
      order.push(ctx.envelope.inboundId);
      return real(ctx);
    },
    now: () => NOW,
    logger: pino({ level: "silent" }),
    batchSize: 8,
    yieldWhen: () => yieldNow,
  });
  const envelopes: InboundEnvelope[] = [];
  for (let i = 0; i < 10; i++) envelopes.push(await stored(`u${i % 5}`, "帮助"));
  yieldNow = true; // e.g. an acknowledgement always waiting: one message per transaction
  await Promise.all(envelopes.map((e) => bot.handle(e)));
  expect(c.transactions()).toBe(10);
  expect(order).toEqual(envelopes.map((e) => e.inboundId));
  for (const e of envelopes) {
    expect(await outbox(`reply:app:${e.inboundId}#`)).toHaveLength(1);
    expect((await store.inbound.find(e.inboundId))?.status).toBe("processed");
  }

  // Nothing waiting: the queued messages share one transaction again.
  yieldNow = false;
  const more: InboundEnvelope[] = [];
  for (let i = 0; i < 9; i++) more.push(await stored(`u${i % 5}`, "帮助"));
  await Promise.all(more.map((e) => bot.handle(e)));
  expect(c.transactions()).toBe(12);
});

test("stop() lets the batch in progress commit and leaves the queued messages stored for later", async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const bot = createBot({
    store,
    templates,
    dispatch: async (ctx) => {
      await gate;
      return real(ctx);
    },
    now: () => NOW,
    logger: pino({ level: "silent" }),
    batchSize: 2,
  });
  const envelopes: InboundEnvelope[] = [];
  for (let i = 0; i < 5; i++) envelopes.push(await stored(`u${i}`, "帮助"));
  const handled = envelopes.map((e) => bot.handle(e));
  const stopping = bot.stop();
  release();
  await stopping;
  await Promise.all(handled);
  // The first message was in progress; the others stayed queued and are still to be handled.
  const [first, ...rest] = envelopes as [InboundEnvelope, ...InboundEnvelope[]];
  expect((await store.inbound.find(first.inboundId))?.status).toBe("processed");
  expect(await outbox(`reply:app:${first.inboundId}#`)).toHaveLength(1);
  for (const e of rest) expect((await store.inbound.find(e.inboundId))?.status).toBe("received");
  await bot.handle(envelopes[1] as InboundEnvelope);
  expect((await store.inbound.find(envelopes[1]?.inboundId ?? 0))?.status).toBe("received");

  // After a restart, the sweep finds them.
  const next = createBot({
    store,
    templates,
    dispatch: real,
    now: () => NOW,
    logger: pino({ level: "silent" }),
  });
  expect(await next.recover(new Date(NOW.getTime() + 1), 100)).toBe(4);
  for (const e of rest) expect(await outbox(`reply:app:${e.inboundId}#`)).toHaveLength(1);
});
