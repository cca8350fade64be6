import Koa from "koa";
import request from "supertest";
import { parseCallback } from "../../src/wecom/callback";
import { WECOM_LIMITS } from "../../src/wecom/limits";
import { createWecomEmulator, type Delivery } from "../../src/wecom/emulator/wecom-emulator";
import { APP, createClock, startEmulator } from "./fixtures/emulator-setup";

type Setup = Awaited<ReturnType<typeof startEmulator>>;
let env: Setup;

beforeEach(async () => {
  env = await startEmulator();
});
afterEach(async () => {
  await env.close();
});

const text = (content: string) => ({ msgtype: "text" as const, text: { content } });

async function rawPost(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${env.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

describe("emulator: access token checks", () => {
  it("answers 41001 without a token, 40014 for an unknown one, 42001 once expired", async () => {
    const body = { touser: "u", agentid: APP.agentId, msgtype: "text", text: { content: "x" } };
    expect(await rawPost("/cgi-bin/message/send", body)).toMatchObject({ errcode: 41001 });
    expect(await rawPost("/cgi-bin/message/send?access_token=forged", body)).toMatchObject({
      errcode: 40014,
    });
    const token = await env.client().getAccessToken();
    expect(await rawPost(`/cgi-bin/message/send?access_token=${token}`, body)).toMatchObject({ errcode: 0 });
    env.clock.advance(7200 * 1000);
    expect(await rawPost(`/cgi-bin/message/send?access_token=${token}`, body)).toMatchObject({
      errcode: 42001,
    });
  });

  it("answers 47001 for a body that is not JSON and 40008 without a message section", async () => {
    const token = await env.client().getAccessToken();
    expect(await rawPost(`/cgi-bin/message/send?access_token=${token}`, "{nope")).toMatchObject({
      errcode: 47001,
    });
    expect(
      await rawPost(`/cgi-bin/message/send?access_token=${token}`, {
        touser: "u",
        agentid: APP.agentId,
        msgtype: "text",
      }),
    ).toMatchObject({ errcode: 40008 });
  });
});

describe("emulator: recording", () => {
  it("records every delivery per recipient with time and full body; inbox filters by since", async () => {
    const client = env.client();
    await client.sendMessage({ touser: ["zhangsan"], message: text("一") });
    env.clock.advance(60_000);
    const since = env.clock.now();
    await client.sendMessage({ touser: ["zhangsan", "lisi"], message: text("二") });
    await client.sendMessage({ touser: "@all", message: text("全体") });

    const inbox = env.emulator.inbox("zhangsan");
    expect(inbox.map((d) => (d.body.text as { content: string }).content)).toEqual(["一", "二", "全体"]);
    expect(inbox[0]?.at.toISOString()).toBe("2026-11-24T00:00:00.000Z");
    expect(inbox[1]?.at.toISOString()).toBe("2026-11-24T00:01:00.000Z");
    expect(env.emulator.inbox("zhangsan", since)).toHaveLength(2);
    expect(env.emulator.inbox("lisi")).toHaveLength(2);
    expect(inbox.map((d) => d.seq)).toEqual([...inbox.map((d) => d.seq)].sort((a, b) => a - b));
  });

  it("notifies delivery listeners and forgets everything on reset", async () => {
    const seen: Delivery[] = [];
    const unsubscribe = env.emulator.onDelivery((d) => seen.push(d));
    const client = env.client();
    await client.sendMessage({ touser: ["zhangsan"], message: text("一") });
    unsubscribe();
    await client.sendMessage({ touser: ["zhangsan"], message: text("二") });
    expect(seen).toHaveLength(1);
    env.emulator.reset();
    expect(env.emulator.deliveries()).toHaveLength(0);
    expect(env.emulator.calls()).toHaveLength(0);
    // Tokens are forgotten too: the client recovers through refresh-once.
    await client.sendMessage({ touser: ["zhangsan"], message: text("三") });
    expect(env.emulator.inbox("zhangsan")).toHaveLength(1);
  });
});

describe("emulator: WeCom's silent limits are recorded as violations", () => {
  it("drops the 31st message to one member within a minute (errcode 0), and records it", async () => {
    const client = env.client();
    for (let i = 0; i < 31; i++) {
      const result = await client.sendMessage({ touser: ["zhangsan"], message: text(`第${i + 1}条`) });
      expect(result.msgId).toBeDefined();
      env.clock.advance(1000);
    }
    expect(env.emulator.inbox("zhangsan")).toHaveLength(30);
    expect(env.emulator.violations()).toMatchObject([
      { kind: "member_rate_limit", api: "message/send", recipient: { type: "user", userId: "zhangsan" } },
    ]);
    // Another member is unaffected; after the window the first one receives again.
    await client.sendMessage({ touser: ["lisi"], message: text("x") });
    env.clock.advance(60_000);
    await client.sendMessage({ touser: ["zhangsan"], message: text("下一分钟") });
    expect(env.emulator.inbox("zhangsan")).toHaveLength(31);
    expect(env.emulator.violations()).toHaveLength(1);
  });

  it("records nothing for 30 messages spread at 2 s intervals", async () => {
    const client = env.client();
    for (let i = 0; i < 60; i++) {
      await client.sendMessage({ touser: ["zhangsan"], message: text(`${i}`) });
      env.clock.advance(2000);
    }
    expect(env.emulator.violations()).toEqual([]);
    expect(env.emulator.inbox("zhangsan")).toHaveLength(60);
  });

  it("enforces the hourly limit per member (1000/h; a smaller limit here to keep the test fast)", async () => {
    expect(WECOM_LIMITS.memberMessagesPerHour).toBe(1000);
    await env.close();
    env = await startEmulator({ limits: { memberMessagesPerHour: 40 } });
    const client = env.client();
    for (let i = 0; i < 41; i++) {
      await client.sendMessage({ touser: ["zhangsan"], message: text("x") });
      env.clock.advance(2100); // 28.6/min: under the minute limit
    }
    expect(env.emulator.violations().map((v) => v.detail)).toEqual(["over 40/h for zhangsan"]);
    expect(env.emulator.inbox("zhangsan")).toHaveLength(40);
  });

  it("records content beyond 2048 bytes (which WeCom would truncate)", async () => {
    const token = await env.client().getAccessToken();
    await rawPost(`/cgi-bin/message/send?access_token=${token}`, {
      touser: "zhangsan",
      agentid: APP.agentId,
      msgtype: "text",
      text: { content: "字".repeat(683) },
    });
    expect(env.emulator.violations()).toMatchObject([{ kind: "content_too_long" }]);
  });
});

describe("emulator: faults", () => {
  it("applies a fault N times to the named API only, and not to gettoken by default", async () => {
    const client = env.client();
    env.emulator.injectFault({ errcode: -1, times: 2 });
    await expect(client.sendMessage({ touser: ["u"], message: text("1") })).rejects.toMatchObject({
      errcode: -1,
    });
    await expect(client.sendMessage({ touser: ["u"], message: text("2") })).rejects.toMatchObject({
      errcode: -1,
    });
    await expect(client.sendMessage({ touser: ["u"], message: text("3") })).resolves.toBeDefined();
    expect(env.emulator.calls("gettoken")).toHaveLength(1);
  });

  it("requires exactly one fault kind", () => {
    expect(() => env.emulator.injectFault({ api: "message/send" })).toThrow(TypeError);
    expect(() => env.emulator.injectFault({ errcode: 1, hang: true })).toThrow(TypeError);
  });

  it("clearFaults removes queued faults", async () => {
    env.emulator.injectFault({ errcode: 45009, times: 10 });
    env.emulator.clearFaults();
    await expect(env.client().sendMessage({ touser: ["u"], message: text("x") })).resolves.toBeDefined();
  });
});

describe("emulator: card click round trip (what the sandbox does)", () => {
  it("click → encrypted callback → parseCallback → update via the click's ResponseCode", async () => {
    const client = env.client();
    await client.sendMessage({
      touser: ["zhangsan"],
      message: {
        msgtype: "template_card",
        template_card: {
          card_type: "button_interaction",
          task_id: "visit-20261124-zhangsan",
          main_title: { title: "张三 本周应访" },
          button_list: [
            { text: "正常", style: 1, key: "normal" },
            { text: "异常", style: 2, key: "abnormal" },
          ],
        },
      },
    });
    expect(env.emulator.clickCard("lisi", "visit-20261124-zhangsan")).toBeNull();
    expect(env.emulator.clickCard("zhangsan", "no-such-task")).toBeNull();
    const click = env.emulator.clickCard("zhangsan", "visit-20261124-zhangsan");
    expect(click?.cardType).toBe("button_interaction");

    const callback = env.emulator.callbacks.templateCardEvent({
      fromUserId: "zhangsan",
      taskId: "visit-20261124-zhangsan",
      eventKey: "normal",
      cardType: click?.cardType ?? "",
      responseCode: click?.responseCode,
    });
    const parsed = parseCallback({
      method: "POST",
      query: callback.query,
      rawBody: callback.body,
      config: { token: APP.token, encodingAesKey: APP.encodingAesKey, receiveId: APP.corpId },
    });
    if (parsed.kind !== "event" || parsed.event.type !== "template_card_event")
      throw new Error("expected a click");
    expect(parsed.event).toMatchObject({ fromUserId: "zhangsan", eventKey: "normal", agentId: APP.agentId });

    await client.updateTemplateCard({
      userIds: [parsed.event.fromUserId],
      responseCode: parsed.event.responseCode ?? "",
      update: { replaceName: "已登记：正常" },
    });
    expect(env.emulator.inbox("zhangsan").map((d) => d.msgtype)).toEqual(["template_card", "update_button"]);
    expect(env.emulator.violations()).toEqual([]);
  });

  it("response codes expire after 24 h", async () => {
    const client = env.client();
    const sent = await client.sendMessage({
      touser: ["zhangsan"],
      message: {
        msgtype: "template_card",
        template_card: { card_type: "vote_interaction", task_id: "vote-1" },
      },
    });
    env.clock.advance(24 * 3600_000);
    await expect(
      client.updateTemplateCard({
        all: true,
        responseCode: sent.responseCode ?? "",
        update: { replaceName: "x" },
      }),
    ).rejects.toMatchObject({ retryable: false });
    expect(env.emulator.violations()).toMatchObject([
      { kind: "invalid_response_code", detail: "response_code expired" },
    ]);
  });
});

describe("emulator: mounting and URL verification", () => {
  it("mounts on any Koa app", async () => {
    const clock = createClock();
    const emulator = createWecomEmulator({ ...APP, now: clock.now });
    const app = new Koa();
    app.use(emulator.middleware());
    const response = await request(app.callback()).get(
      `/cgi-bin/gettoken?corpid=${APP.corpId}&corpsecret=${APP.secret}`,
    );
    expect(response.body).toMatchObject({ errcode: 0, errmsg: "ok", expires_in: 7200 });
    expect(response.body.access_token).toEqual(expect.any(String));
  });

  it("builds URL-verification requests that parseCallback answers", () => {
    const verification = env.emulator.callbacks.urlVerification("1616140317555161061");
    const parsed = parseCallback({
      method: "GET",
      query: new URLSearchParams(verification.queryString),
      config: { token: APP.token, encodingAesKey: APP.encodingAesKey, receiveId: APP.corpId },
    });
    expect(parsed).toEqual({ kind: "url_verification", echo: "1616140317555161061" });
  });
});
