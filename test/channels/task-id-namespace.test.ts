/**
 * Card task_ids under a per-database namespace: WeCom (here its emulator, which enforces the rule)
 * refuses a task_id an app has used before, and database ids start again after a reinstall.
 */
import { createAppDeliver } from "../../src/channels/app-channel";
import { envelopeFromRow } from "../../src/channels/envelope-from-row";
import {
  createTaskIdNamespace,
  loadTaskIdNamespace,
  newTaskIdNamespace,
  TASK_ID_NAMESPACE_SETTING,
} from "../../src/channels/task-id-namespace";
import type { OutboxDelivery } from "../../src/outbox/outbox-worker";
import { createStore } from "../../src/store/store";
import { createIdCipher } from "../../src/store/id-cipher";
import { createTestDb } from "../helpers/test-db";
import { startEmulator } from "../wecom/fixtures/emulator-setup";

const card = (taskId: string) => ({
  msgtype: "template_card",
  template_card: {
    card_type: "button_interaction",
    main_title: { title: "紧急事件 E1" },
    task_id: taskId,
    button_list: [{ text: "收到", key: "ack:1" }],
  },
});

const delivery = (id: number, body: Record<string, unknown>): OutboxDelivery =>
  ({
    id,
    channel: "app",
    recipient: "zhangsan",
    recipientKind: "user",
    idempotencyKey: `incident:1:r0:5#${id}`,
    body,
    attempt: 1,
  }) as unknown as OutboxDelivery;

describe("task_id namespace", () => {
  it("adds and removes the namespace, leaving other ids alone", () => {
    const ns = createTaskIdNamespace("n0a1b2c3");
    expect(ns.outbound("incident-1-s0-c5")).toBe("n0a1b2c3-incident-1-s0-c5");
    expect(ns.inbound("n0a1b2c3-incident-1-s0-c5")).toBe("incident-1-s0-c5");
    expect(ns.inbound("daily-2026-11-24-5")).toBe("daily-2026-11-24-5");
    expect(ns.inbound("nzzzzzzz-daily-2026-11-24-5")).toBe("nzzzzzzz-daily-2026-11-24-5");
    expect(() => ns.outbound("x".repeat(120))).toThrow("超过 128 字节");
    expect(() => createTaskIdNamespace("bad id")).toThrow("格式不对");
    expect(newTaskIdNamespace()).toMatch(/^n[0-9a-z]{7}$/);
  });

  it("lets a reinstalled database send the card ids it starts again from", async () => {
    const env = await startEmulator();
    try {
      const client = env.client();
      // Without a namespace the second database's first emergency card is refused.
      const plain = createAppDeliver(client);
      await plain(delivery(1, card("incident-1-s0-c5")), new AbortController().signal);
      await expect(
        plain(delivery(2, card("incident-1-s0-c5")), new AbortController().signal),
      ).rejects.toThrow();

      const first = createAppDeliver(client, { taskIds: createTaskIdNamespace("n0000001") });
      const second = createAppDeliver(client, { taskIds: createTaskIdNamespace("n0000002") });
      await first(delivery(3, card("incident-1-s0-c5")), new AbortController().signal);
      await second(delivery(4, card("incident-1-s0-c5")), new AbortController().signal);
      const sent = env.emulator
        .inbox("zhangsan")
        .map((d) => (d.body.template_card as { task_id?: string } | undefined)?.task_id);
      expect(sent).toEqual(["incident-1-s0-c5", "n0000001-incident-1-s0-c5", "n0000002-incident-1-s0-c5"]);
    } finally {
      await env.close();
    }
  });

  it("gives the bot the plain task_id of a card event", () => {
    const xml = `<xml><ToUserName>ww1</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>1795500000</CreateTime>
<MsgType>event</MsgType><Event>template_card_event</Event><EventKey>ack:1</EventKey>
<TaskId>n0000002-incident-1-s0-c5</TaskId><CardType>button_interaction</CardType><ResponseCode>rc1</ResponseCode><AgentID>1000002</AgentID></xml>`;
    const row = {
      id: 9,
      channel: "app",
      externalId: "e",
      fromUser: "zhangsan",
      msgType: "event",
      payload: { xml },
      status: "received" as const,
      receivedAt: new Date("2026-11-24T02:00:00Z"),
    };
    const ns = createTaskIdNamespace("n0000002");
    expect(envelopeFromRow(row, ns).event).toMatchObject({
      type: "template_card_event",
      taskId: "incident-1-s0-c5",
    });
    expect(envelopeFromRow(row).event).toMatchObject({ taskId: "n0000002-incident-1-s0-c5" });
  });

  it("is created once per database and read back after", async () => {
    const db = await createTestDb();
    try {
      const store = createStore(db.prisma, createIdCipher(Buffer.alloc(32, 1)));
      const [a, b] = await Promise.all([
        loadTaskIdNamespace(store.settings),
        loadTaskIdNamespace(store.settings),
      ]);
      expect(a.id).toBe(b.id);
      expect((await loadTaskIdNamespace(store.settings)).id).toBe(a.id);
      expect(await store.settings.get(TASK_ID_NAMESPACE_SETTING)).toBe(a.id);
    } finally {
      await db.close();
    }
  });
});
