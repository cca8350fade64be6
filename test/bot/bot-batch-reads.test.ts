/**
 * A batch of messages reads its senders' pending questions and latest lists once for all of
 * them; a message that follows a list or question written earlier in the same batch still sees
 * that write, exactly as if each message ran alone.
 */
import pino from "pino";
import { createBot } from "../../src/bot/bot";
import type { TaskList } from "../../src/bot/commands/command-context";
import { createDispatcher } from "../../src/bot/dispatch";
import { loadTemplates } from "../../src/bot/templates";
import type { InboundEnvelope } from "../../src/channels/inbound-envelope";
import { type ConversationRepository, withBatchReads } from "../../src/store/conversation-repository";
import type { Repos, Store } from "../../src/store/store";
import type { WecomEvent } from "../../src/wecom/events";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";

const NOW = new Date("2026-11-24T02:00:00Z");
let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness({ now: NOW });
});
afterAll(() => h.close());

let seq = 0;
async function stored(from: string, content: string): Promise<InboundEnvelope> {
  seq++;
  const event = {
    type: "text",
    corpId: "ww",
    fromUserId: from,
    createTime: Math.floor(NOW.getTime() / 1000),
    agentId: 1,
    dedupeKey: `batch-reads:${seq}`,
    msgId: `br${seq}`,
    content,
  } as WecomEvent;
  const row = await h.store.inbound.record({
    channel: "app",
    externalId: event.dedupeKey,
    fromUser: from,
    msgType: "text",
    payload: {},
    receivedAt: NOW,
  });
  return { channel: "app", inboundId: row.id, event, receivedAt: NOW };
}

/** The store whose transactions count the conversation reads that reach the database. */
function counting(): { store: Store; reads: Record<string, number> } {
  const reads: Record<string, number> = {};
  const count = (inner: ConversationRepository): ConversationRepository =>
    new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (
          typeof prop === "string" &&
          ["latestList", "latestLists", "pendingQuestion", "storedQuestions"].includes(prop)
        ) {
          return (...args: unknown[]) => {
            reads[prop] = (reads[prop] ?? 0) + 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return value;
      },
    });
  return {
    reads,
    store: {
      ...h.store,
      transaction: (fn, opts) =>
        h.store.transaction(
          (repos: Repos) => fn({ ...repos, conversation: count(repos.conversation) }),
          opts,
        ),
    },
  };
}

const listTasks = async (repos: Repos, cadreId: number): Promise<TaskList> => {
  const subjects = await repos.conversation.guaranteedSubjects(cadreId, NOW);
  return {
    date: "2026-11-24",
    items: subjects.map((s) => ({ subjectId: s.id, name: s.name, label: s.category, state: "" })),
  };
};

function bot(store: Store) {
  return createBot({
    store,
    templates: loadTemplates(),
    dispatch: createDispatcher({ tz: "Asia/Shanghai", listTasks }),
    now: () => NOW,
    logger: pino({ level: "silent" }),
    batchSize: 32,
  });
}

/** Handles the envelopes as callbacks arriving together: the first alone, the rest in one batch. */
async function handleTogether(b: ReturnType<typeof bot>, envelopes: InboundEnvelope[]) {
  await Promise.all(envelopes.map((e) => b.handle(e)));
}

async function reply(e: InboundEnvelope): Promise<string> {
  const rows = await h.db.prisma.outboundMessage.findMany({
    where: { idempotencyKey: { startsWith: `reply:app:${e.inboundId}#` } },
    orderBy: { id: "asc" },
    select: { body: true },
  });
  expect(rows).toHaveLength(1);
  const body = rows[0]?.body as { text?: { content?: string } } | undefined;
  return body?.text?.content ?? "";
}

async function visitsOf(cadre: string) {
  return h.db.prisma.visit.findMany({
    where: { cadreId: h.ids[cadre]!, status: "active" },
    select: { subjectId: true, outcome: true },
    orderBy: { id: "asc" },
  });
}

test("a batch reads every sender's question and list with one statement each", async () => {
  const c = counting();
  const b = bot(c.store);
  const senders = ["wangli", "zhaoqiang", "wangdefu", "zhoujg", "liujg"];
  const envelopes = [await stored("zhaoqiang", "帮助")];
  for (let i = 0; i < 3; i++) for (const s of senders) envelopes.push(await stored(s, "帮助"));
  await handleTogether(b, envelopes);
  for (const e of envelopes) expect(await reply(e)).toContain("1 正常");
  // The first message alone, the other 15 in one batch: two statements of each kind in all.
  expect(c.reads).toEqual({ latestLists: 2, storedQuestions: 2 });
});

test("a list saved earlier in the batch is the one a later number refers to", async () => {
  // An older list in which 1 is 李四; 今日任务 in the batch numbers 张三 (青山村) first.
  await h.setList("wangli", ["李四@V1"]);
  const b = bot(counting().store);
  const envelopes = [
    await stored("zhaoqiang", "帮助"),
    await stored("zhaoqiang", "帮助"), // loads every sender's latest list, 王丽's old one included
    await stored("wangli", "今日任务"),
    await stored("wangli", "1 正常"),
  ];
  await handleTogether(b, envelopes);
  expect(await reply(envelopes[3]!)).toContain("已登记：张三");
  expect(await visitsOf("wangli")).toEqual([{ subjectId: h.ids["张三@V1"], outcome: "normal" }]);
});

test("a question asked or answered earlier in the batch is seen by the sender's next message", async () => {
  await h.db.prisma.visit.deleteMany({});
  const b = bot(counting().store);
  const envelopes = [
    await stored("zhaoqiang", "帮助"),
    await stored("zhaoqiang", "帮助"), // loads every sender's question: 王丽 has none yet
    await stored("wangli", "张三 电话 正常"), // asks which 张三
    await stored("wangli", "2"), // answers it
    await stored("wangli", "2"), // nothing pending any more
  ];
  await handleTogether(b, envelopes);
  expect(await reply(envelopes[2]!)).toContain("有2位叫张三");
  expect(await reply(envelopes[3]!)).toContain("已登记：张三 电话联系 正常");
  expect(await reply(envelopes[4]!)).not.toContain("已登记");
  expect(await visitsOf("wangli")).toEqual([{ subjectId: h.ids["张三@V2"], outcome: "normal" }]);
});

describe("withBatchReads", () => {
  test("answers like the repository itself: expiry, fresh copies, writes and other cadres", async () => {
    const [a, b, other] = [h.ids.wangli!, h.ids.zhaoqiang!, h.ids.zhoujg!];
    await h.store.conversation.clearQuestion(a);
    await h.store.conversation.ask(b, {
      kind: "choose",
      payload: { options: [1, 2] },
      expiresAt: new Date(NOW.getTime() + 60_000),
    });
    await h.store.conversation.saveList(
      other,
      "tasks",
      "2026-11-24",
      [{ n: 1, subjectId: 1, name: "甲" }],
      NOW,
    );
    await h.store.transaction(async (repos) => {
      const view = withBatchReads(repos.conversation, [a, b]);
      const direct = repos.conversation;
      expect(await view.pendingQuestion(a, NOW)).toBeNull();
      expect(await view.pendingQuestion(b, NOW)).toEqual(await direct.pendingQuestion(b, NOW));
      expect(await view.pendingQuestion(b, NOW)).toEqual({
        kind: "choose",
        payload: { options: [1, 2] },
        expiresAt: new Date(NOW.getTime() + 60_000),
      });
      // Expiry is judged with each caller's own `now`.
      expect(await view.pendingQuestion(b, new Date(NOW.getTime() + 60_000))).toBeNull();
      const q = await view.pendingQuestion(b, NOW);
      if (!q) throw new Error("expected a pending question");
      (q.payload.options as number[]).push(3);
      expect((await view.pendingQuestion(b, NOW))?.payload).toEqual({ options: [1, 2] });

      expect(await view.latestList(a)).toEqual(await direct.latestList(a));
      expect(await view.latestList(other)).toEqual(await direct.latestList(other));
      await view.saveList(a, "tasks", "2026-11-24", [{ n: 1, subjectId: 2, name: "乙" }], NOW);
      expect((await view.latestList(a))?.items).toEqual([{ n: 1, subjectId: 2, name: "乙" }]);
      await view.clearQuestion(b);
      expect(await view.pendingQuestion(b, NOW)).toBeNull();
    });
    await h.store.conversation.clearQuestion(b);
  });

  test("the newest list wins, the higher id among lists created at the same time", async () => {
    const id = h.ids.liujg!;
    const later = new Date(NOW.getTime() + 1_000);
    await h.store.conversation.saveList(id, "daily", "2026-11-24", [{ n: 1, subjectId: 1, name: "旧" }], NOW);
    await h.store.conversation.saveList(
      id,
      "daily",
      "2026-11-24",
      [{ n: 1, subjectId: 2, name: "甲" }],
      later,
    );
    await h.store.conversation.saveList(
      id,
      "tasks",
      "2026-11-24",
      [{ n: 1, subjectId: 3, name: "乙" }],
      later,
    );
    const one = await h.store.conversation.latestList(id);
    expect(one).toMatchObject({ kind: "tasks", items: [{ name: "乙" }], createdAt: later });
    const many = await h.store.conversation.latestLists([id, id, 999_999]);
    expect([...many.keys()]).toEqual([id]);
    expect(many.get(id)).toEqual(one);
  });
});
