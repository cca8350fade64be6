import { createServer } from "node:net";
import { createWecomClient } from "../../src/wecom/client";
import { WecomApiError } from "../../src/wecom/errors";
import { createMemoryTokenStore, type TokenStore } from "../../src/wecom/token-store";
import { APP, startEmulator } from "./fixtures/emulator-setup";

type Setup = Awaited<ReturnType<typeof startEmulator>>;
let env: Setup;

beforeEach(async () => {
  env = await startEmulator();
});
afterEach(async () => {
  await env.close();
});

const text = (content: string) => ({ msgtype: "text" as const, text: { content } });

async function apiError(promise: Promise<unknown>): Promise<WecomApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WecomApiError) return error;
    throw error;
  }
  throw new Error("expected a WecomApiError");
}

describe("access token", () => {
  it("fetches once and reuses the cached token", async () => {
    const client = env.client();
    await client.sendMessage({ touser: ["zhangsan"], message: text("一") });
    await client.sendMessage({ touser: ["zhangsan"], message: text("二") });
    expect(env.emulator.calls("gettoken")).toHaveLength(1);
    expect(env.emulator.inbox("zhangsan")).toHaveLength(2);
  });

  it("honours expires_in and refreshes 5 minutes early", async () => {
    const client = env.client();
    const first = await client.getAccessToken();
    env.clock.advance((7200 - 300 - 1) * 1000);
    expect(await client.getAccessToken()).toBe(first);
    expect(env.emulator.calls("gettoken")).toHaveLength(1);
    env.clock.advance(2000);
    const second = await client.getAccessToken();
    expect(second).not.toBe(first);
    expect(env.emulator.calls("gettoken")).toHaveLength(2);
  });

  it("honours a shorter expires_in than the usual 7200", async () => {
    await env.close();
    env = await startEmulator({ tokenTtlSeconds: 1200 });
    const client = env.client();
    await client.getAccessToken();
    env.clock.advance(899_000); // 1200 - 300 - 1 seconds
    await client.getAccessToken();
    expect(env.emulator.calls("gettoken")).toHaveLength(1);
    env.clock.advance(2000);
    await client.getAccessToken();
    expect(env.emulator.calls("gettoken")).toHaveLength(2);
  });

  it("runs at most one refresh at a time: 20 concurrent sends, one gettoken", async () => {
    const client = env.client();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.sendMessage({ touser: [`user${i}`], message: text("早上好") }),
      ),
    );
    expect(env.emulator.calls("gettoken")).toHaveLength(1);
    expect(env.emulator.deliveries()).toHaveLength(20);
  });

  it("shares tokens through the TokenStore (a second process does not fetch again)", async () => {
    const tokenStore = createMemoryTokenStore();
    const a = env.client({ tokenStore });
    const b = env.client({ tokenStore });
    expect(await b.getAccessToken()).toBe(await a.getAccessToken());
    expect(env.emulator.calls("gettoken")).toHaveLength(1);
  });

  it("refreshes inside the store's lock and re-reads the store there", async () => {
    const inner = createMemoryTokenStore();
    const locked: string[] = [];
    const tokenStore: TokenStore = {
      get: (key) => inner.get(key),
      set: (key, token, expiresAt) => inner.set(key, token, expiresAt),
      async lock(key, fn) {
        locked.push(key);
        return fn();
      },
    };
    // Another process stored a fresh token while we were waiting for the lock.
    await inner.set(
      `wecom:${APP.corpId}:${APP.agentId}`,
      "token-from-other-process",
      new Date("2026-11-24T02:00:00Z"),
    );
    const client = env.client({ tokenStore });
    // The first getAccessToken reads the store directly.
    expect(await client.getAccessToken()).toBe("token-from-other-process");
    expect(locked).toEqual([]);
    expect(env.emulator.calls("gettoken")).toHaveLength(0);
    // That token is unknown to the emulator: 40014 → refresh under the lock → retry.
    await client.sendMessage({ touser: ["zhangsan"], message: text("hi") });
    expect(locked).toEqual([`wecom:${APP.corpId}:${APP.agentId}`]);
    expect(env.emulator.calls("gettoken")).toHaveLength(1);
    expect((await inner.get(`wecom:${APP.corpId}:${APP.agentId}`))?.token).not.toBe(
      "token-from-other-process",
    );
  });

  it.each([
    [42001, "expired"],
    [40014, "invalid"],
    [41001, "missing"],
  ])("on %i (%s token) drops the token, refreshes once and retries once", async (errcode) => {
    const client = env.client();
    const before = await client.getAccessToken();
    env.emulator.injectFault({ api: "message/send", errcode });
    const result = await client.sendMessage({ touser: ["zhangsan"], message: text("重试") });
    expect(result.msgId).toBeDefined();
    expect(env.emulator.calls("gettoken")).toHaveLength(2);
    expect(env.emulator.calls("message/send").map((c) => c.errcode)).toEqual([errcode, 0]);
    expect(env.emulator.inbox("zhangsan")).toHaveLength(1);
    expect(await client.getAccessToken()).not.toBe(before);
  });

  it("recovers when WeCom revokes tokens early (real 40014 from the token check)", async () => {
    const client = env.client();
    await client.sendMessage({ touser: ["zhangsan"], message: text("一") });
    env.emulator.revokeTokens();
    await client.sendMessage({ touser: ["zhangsan"], message: text("二") });
    expect(env.emulator.calls("message/send").map((c) => c.errcode)).toEqual([0, 40014, 0]);
    expect(env.emulator.calls("gettoken")).toHaveLength(2);
  });

  it("retries only once: a second token error is thrown (retryable later), not looped on", async () => {
    const client = env.client();
    env.emulator.injectFault({ api: "message/send", errcode: 42001, times: 5 });
    const error = await apiError(client.sendMessage({ touser: ["zhangsan"], message: text("x") }));
    expect(error).toMatchObject({
      code: "api_error",
      errcode: 42001,
      retryable: true,
      api: "/cgi-bin/message/send",
    });
    expect(env.emulator.calls("message/send")).toHaveLength(2);
    expect(env.emulator.calls("gettoken")).toHaveLength(2);
    expect(env.emulator.inbox("zhangsan")).toHaveLength(0);
  });

  it("never loops on 40001 (bad secret): one gettoken per call, non-retryable", async () => {
    const client = env.client({ secret: "wrong-secret" });
    const error = await apiError(client.sendMessage({ touser: ["zhangsan"], message: text("x") }));
    expect(error).toMatchObject({
      code: "bad_credentials",
      errcode: 40001,
      retryable: false,
      api: "/cgi-bin/gettoken",
    });
    expect(env.emulator.calls("gettoken")).toHaveLength(1);
    expect(env.emulator.calls("message/send")).toHaveLength(0);
    await apiError(client.sendMessage({ touser: ["zhangsan"], message: text("x") }));
    expect(env.emulator.calls("gettoken")).toHaveLength(2);
  });

  it("treats a wrong corp id (40013) as bad credentials too", async () => {
    const client = env.client({ corpId: "wwWrong" });
    expect(await apiError(client.getAccessToken())).toMatchObject({
      code: "bad_credentials",
      errcode: 40013,
    });
  });

  it("never puts the secret or the token into error messages", async () => {
    const client = env.client({ secret: "wrong-secret" });
    const error = await apiError(client.getAccessToken());
    expect(error.message).not.toContain("wrong-secret");
    const good = env.client();
    const token = await good.getAccessToken();
    env.emulator.injectFault({ api: "message/send", errcode: 45009 });
    const sendError = await apiError(good.sendMessage({ touser: ["u"], message: text("x") }));
    expect(sendError.message).not.toContain(token);
  });
});

describe("error classification", () => {
  it.each([
    [-1, true],
    [45009, true],
    [45033, true],
    [60020, false], // caller IP not in the app's trusted IPs
    [81013, false],
    [48002, false],
    [40008, false],
  ])("errcode %i → retryable %p", async (errcode, retryable) => {
    const client = env.client();
    env.emulator.injectFault({ api: "message/send", errcode });
    const error = await apiError(client.sendMessage({ touser: ["zhangsan"], message: text("x") }));
    expect(error).toMatchObject({ code: "api_error", errcode, retryable });
    expect(env.emulator.calls("message/send")).toHaveLength(1);
  });

  it.each([
    [502, true],
    [503, true],
    [429, true],
    [404, false],
  ])("HTTP %i → retryable %p", async (httpStatus, retryable) => {
    const client = env.client();
    env.emulator.injectFault({ api: "message/send", httpStatus });
    const error = await apiError(client.sendMessage({ touser: ["zhangsan"], message: text("x") }));
    expect(error).toMatchObject({ code: "http_error", httpStatus, retryable, errcode: null });
  });

  it("a hanging server → timeout, retryable", async () => {
    const client = env.client({ timeoutMs: 150 });
    await client.getAccessToken();
    env.emulator.injectFault({ api: "message/send", hang: true });
    const error = await apiError(client.sendMessage({ touser: ["zhangsan"], message: text("x") }));
    expect(error).toMatchObject({ code: "timeout", retryable: true, errcode: null });
    env.emulator.releaseHangs();
  });

  it("a gettoken that hangs → timeout, and the next call tries again", async () => {
    const client = env.client({ timeoutMs: 150 });
    env.emulator.injectFault({ api: "gettoken", hang: true });
    expect(await apiError(client.getAccessToken())).toMatchObject({ code: "timeout", retryable: true });
    env.emulator.releaseHangs();
    await expect(client.getAccessToken()).resolves.toMatch(/^emu-/);
  });

  it("connection refused → network_error, retryable", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const free = typeof address === "object" && address ? address.port : 0;
        server.close(() => resolve(free));
      });
    });
    const client = createWecomClient({
      apiBase: `http://127.0.0.1:${port}`,
      corpId: APP.corpId,
      secret: APP.secret,
      agentId: APP.agentId,
      now: env.clock.now,
    });
    expect(await apiError(client.getAccessToken())).toMatchObject({ code: "network_error", retryable: true });
  });

  it("a non-JSON 200 → invalid_response, retryable", async () => {
    const client = env.client({
      fetch: async () => new Response("<html>proxy</html>", { status: 200 }),
    });
    expect(await apiError(client.getAccessToken())).toMatchObject({
      code: "invalid_response",
      retryable: true,
    });
  });

  it("a wrong agent id is reported by WeCom (40056), not retried", async () => {
    const client = env.client({ agentId: 999 });
    const error = await apiError(client.sendMessage({ touser: ["zhangsan"], message: text("x") }));
    expect(error).toMatchObject({ errcode: 40056, retryable: false });
  });
});

describe("message/send", () => {
  it("sends WeCom's JSON with recipients joined by | and duplicate-check options", async () => {
    const client = env.client();
    const result = await client.sendMessage({
      touser: ["zhangsan", "lisi"],
      toparty: [2],
      message: text("【今日走访】"),
      enableDuplicateCheck: true,
      duplicateCheckInterval: 600,
    });
    expect(result).toMatchObject({ invalidUsers: [], responseCode: undefined });
    const [delivery] = env.emulator.inbox("zhangsan");
    expect(delivery?.body).toEqual({
      touser: "zhangsan|lisi",
      toparty: "2",
      agentid: APP.agentId,
      msgtype: "text",
      text: { content: "【今日走访】" },
      safe: 0,
      enable_duplicate_check: 1,
      duplicate_check_interval: 600,
    });
    expect(env.emulator.inbox("lisi")).toHaveLength(1);
  });

  it("WeCom's duplicate check swallows an identical resend within the interval", async () => {
    const client = env.client();
    const request = {
      touser: ["zhangsan"],
      message: text("同一条"),
      enableDuplicateCheck: true,
      duplicateCheckInterval: 60,
    };
    await client.sendMessage(request);
    await client.sendMessage(request);
    expect(env.emulator.inbox("zhangsan")).toHaveLength(1);
    env.clock.advance(61_000);
    await client.sendMessage(request);
    expect(env.emulator.inbox("zhangsan")).toHaveLength(2);
  });

  it("reports invalid users (errcode 0) and 81013 when all are invalid", async () => {
    await env.close();
    env = await startEmulator({ userExists: (id) => id !== "ghost" && id !== "ghost2" });
    const client = env.client();
    const result = await client.sendMessage({ touser: ["zhangsan", "ghost"], message: text("x") });
    expect(result.invalidUsers).toEqual(["ghost"]);
    const error = await apiError(client.sendMessage({ touser: ["ghost", "ghost2"], message: text("x") }));
    expect(error).toMatchObject({ errcode: 81013, retryable: false });
  });

  it("sends markdown, textcard and template cards", async () => {
    const client = env.client();
    await client.sendMessage({
      touser: ["zhangsan"],
      message: { msgtype: "markdown", markdown: { content: "**走访**" } },
    });
    await client.sendMessage({
      touser: ["zhangsan"],
      message: {
        msgtype: "textcard",
        textcard: {
          title: "今日走访",
          description: '<div class="gray">3人</div>',
          url: "https://example.com",
          btntxt: "详情",
        },
      },
    });
    const card = await client.sendMessage({
      touser: ["zhangsan"],
      message: {
        msgtype: "template_card",
        template_card: {
          card_type: "button_interaction",
          task_id: "visit-1",
          main_title: { title: "张三 本周应访" },
          button_list: [{ text: "正常", style: 1, key: "normal" }],
        },
      },
    });
    expect(card.responseCode).toMatch(/^rc/);
    expect(env.emulator.inbox("zhangsan").map((d) => d.msgtype)).toEqual([
      "markdown",
      "textcard",
      "template_card",
    ]);
  });

  it("refuses over-long content locally instead of letting WeCom truncate it", async () => {
    const client = env.client();
    const error = await apiError(
      client.sendMessage({ touser: ["zhangsan"], message: text("字".repeat(683)) }),
    );
    expect(error).toMatchObject({ code: "invalid_request", retryable: false });
    await expect(
      client.sendMessage({ touser: ["zhangsan"], message: text("字".repeat(682)) }),
    ).resolves.toBeDefined();
    expect(await apiError(client.sendMessage({ touser: [], message: text("x") }))).toMatchObject({
      code: "invalid_request",
    });
    expect(
      await apiError(
        client.sendMessage({
          touser: ["zhangsan"],
          message: text("x"),
          enableDuplicateCheck: true,
          duplicateCheckInterval: 14_401,
        }),
      ),
    ).toMatchObject({ code: "invalid_request" });
    expect(env.emulator.calls("message/send")).toHaveLength(1);
  });
});

describe("template card updates", () => {
  async function sendCard(client: ReturnType<Setup["client"]>, taskId: string) {
    return client.sendMessage({
      touser: ["zhangsan"],
      message: {
        msgtype: "template_card",
        template_card: {
          card_type: "button_interaction",
          task_id: taskId,
          main_title: { title: "走访登记" },
          button_list: [{ text: "正常", style: 1, key: "normal" }],
        },
      },
    });
  }

  it("updates the button with the send response's response_code, once", async () => {
    const client = env.client();
    const { responseCode } = await sendCard(client, "task-1");
    await client.updateTemplateCard({
      userIds: ["zhangsan"],
      responseCode: responseCode ?? "",
      update: { replaceName: "已登记" },
    });
    const update = env.emulator.inbox("zhangsan").at(-1);
    expect(update).toMatchObject({ api: "message/update_template_card", msgtype: "update_button" });
    expect(update?.body).toMatchObject({
      button: { replace_name: "已登记" },
      agentid: APP.agentId,
      userids: ["zhangsan"],
    });
    const reused = await apiError(
      client.updateTemplateCard({
        userIds: ["zhangsan"],
        responseCode: responseCode ?? "",
        update: { replaceName: "x" },
      }),
    );
    expect(reused).toMatchObject({ retryable: false });
    expect(env.emulator.violations().map((v) => v.kind)).toEqual(["invalid_response_code"]);
  });

  it("a reused task_id is rejected and recorded", async () => {
    const client = env.client();
    await sendCard(client, "task-dup");
    await apiError(sendCard(client, "task-dup"));
    expect(env.emulator.violations().map((v) => v.kind)).toEqual(["duplicate_task_id"]);
  });
});

describe("app chats, webhook, media", () => {
  it("creates an app chat and sends to it; members see it in their inbox", async () => {
    const client = env.client();
    const chatId = await client.createAppChat({
      name: "城关镇包保群",
      owner: "leader",
      userIds: ["leader", "zhangsan"],
    });
    expect(chatId).toMatch(/^[0-9a-zA-Z]{1,32}$/);
    await client.sendAppChat(chatId, { msgtype: "markdown", markdown: { content: "今日汇总" } });
    expect(env.emulator.chatMessages(chatId)).toHaveLength(1);
    expect(env.emulator.inbox("zhangsan")).toHaveLength(1);
    expect(env.emulator.inbox("outsider")).toHaveLength(0);
    const named = await client.createAppChat({ name: "群2", userIds: ["a", "b"], chatId: "group2" });
    expect(named).toBe("group2");
  });

  it("rejects an app chat with fewer than 2 members and sends to unknown chats", async () => {
    const client = env.client();
    expect(await apiError(client.createAppChat({ name: "x", userIds: ["a"] }))).toMatchObject({
      retryable: false,
    });
    expect(await apiError(client.sendAppChat("nochat", text("x")))).toMatchObject({ retryable: false });
  });

  it("sends to a group robot webhook without an access token", async () => {
    const client = env.client();
    await client.sendWebhook("robot-key-1", {
      msgtype: "text",
      text: { content: "紧急", mentioned_list: ["@all"] },
    });
    expect(env.emulator.calls("gettoken")).toHaveLength(0);
    expect(env.emulator.webhookMessages("robot-key-1")[0]?.body).toEqual({
      msgtype: "text",
      text: { content: "紧急", mentioned_list: ["@all"] },
    });
  });

  it("webhook: unknown key → 93000; over 20/min → 45009 retryable", async () => {
    await env.close();
    env = await startEmulator({ webhookKeys: ["good"] });
    const client = env.client();
    expect(await apiError(client.sendWebhook("bad", text("x")))).toMatchObject({
      errcode: 93000,
      retryable: false,
    });
    for (let i = 0; i < 20; i++) await client.sendWebhook("good", text(`第${i}条`));
    expect(await apiError(client.sendWebhook("good", text("第21条")))).toMatchObject({
      errcode: 45009,
      retryable: true,
    });
    expect(env.emulator.violations().map((v) => v.kind)).toEqual(["webhook_rate_limit"]);
    env.clock.advance(60_001);
    await client.sendWebhook("good", text("下一分钟"));
    expect(env.emulator.webhookMessages("good")).toHaveLength(21);
  });

  it("uploads an image and sends it by media_id", async () => {
    const client = env.client();
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(100, 7),
    ]);
    const { mediaId, createdAt } = await client.uploadMedia({
      type: "image",
      filename: "走访.png",
      data: png,
      contentType: "image/png",
    });
    expect(createdAt).toBe(Math.floor(env.clock.now().getTime() / 1000));
    const stored = env.emulator.media(mediaId);
    expect(stored?.data.equals(png)).toBe(true);
    expect(stored).toMatchObject({ type: "image", contentType: "image/png" });
    await client.sendMessage({
      touser: ["zhangsan"],
      message: { msgtype: "image", image: { media_id: mediaId } },
    });
    expect(env.emulator.inbox("zhangsan")[0]?.msgtype).toBe("image");
  });

  it("media upload survives a token refresh (the multipart body is rebuilt)", async () => {
    const client = env.client();
    await client.getAccessToken();
    env.emulator.revokeTokens();
    const { mediaId } = await client.uploadMedia({
      type: "image",
      filename: "a.png",
      data: Buffer.alloc(64, 1),
    });
    expect(env.emulator.media(mediaId)?.data.length).toBe(64);
  });
});

describe("user/get (getMember)", () => {
  const members = [
    { userid: "ZhangSan", name: "张三", department: [2, 3] },
    { userid: "lisi", name: "李四", visible: false },
    { userid: "wangwu", name: "王五", status: 4 },
  ];

  it("answers found / not_found (60111, 40003) / out_of_range (60011) and sends nothing", async () => {
    await env.close();
    env = await startEmulator({ members });
    const client = env.client();
    // WeCom compares userids case-insensitively and answers with the stored spelling.
    expect(await client.getMember("zhangsan")).toEqual({
      kind: "found",
      member: { userid: "ZhangSan", name: "张三", department: [2, 3], status: 1 },
    });
    expect(await client.getMember("wangwu")).toMatchObject({ kind: "found", member: { status: 4 } });
    expect(await client.getMember("ghost")).toEqual({ kind: "not_found", errcode: 60111 });
    expect(await client.getMember("pending:13900001001")).toEqual({ kind: "not_found", errcode: 40003 });
    expect(await client.getMember("lisi")).toEqual({ kind: "out_of_range", errcode: 60011 });
    expect(env.emulator.deliveries()).toHaveLength(0);
    expect(env.emulator.calls("user/get").map((c) => c.errcode)).toEqual([0, 0, 60111, 40003, 60011]);
  });

  it("the member list also decides message/send: a member outside the visibility is invalid", async () => {
    await env.close();
    env = await startEmulator({ members });
    const result = await env
      .client()
      .sendMessage({ touser: ["zhangsan", "lisi", "ghost"], message: text("x") });
    expect(result.invalidUsers).toEqual(["lisi", "ghost"]);
  });

  it("retries once after a token error; other errcodes are thrown", async () => {
    const client = env.client();
    await client.getAccessToken();
    env.emulator.revokeTokens();
    expect(await client.getMember("anyone")).toMatchObject({ kind: "found", member: { userid: "anyone" } });
    env.emulator.injectFault({ api: "user/get", errcode: 45009 });
    expect(await apiError(client.getMember("anyone"))).toMatchObject({ errcode: 45009, retryable: true });
  });
});
