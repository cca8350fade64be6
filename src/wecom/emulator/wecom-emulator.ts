/**
 * A local WeCom server for tests and the sandbox mode: the API endpoints the client calls, with
 * WeCom-shaped JSON answers and access-token checks, an in-memory record of every delivered
 * message, WeCom's silent limits recorded as violations, and programmable faults.
 *
 * Where WeCom's exact errcode for a rejected parameter is not documented (wecom.md), the emulator
 * answers 40035 ("不合法的参数") with an errmsg starting with "emulator:".
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Router, type RouterContext } from "@koa/router";
import Koa from "koa";
import getRawBody from "raw-body";
import { WECOM_LIMITS, type WecomLimits } from "../limits";
import { type CallbackSender, createCallbackSender } from "./callback-sender";
import { parseMultipart } from "./multipart";

/** The emulated endpoints, named by their path below /cgi-bin/. */
export type EmulatedApi =
  | "gettoken"
  | "message/send"
  | "message/update_template_card"
  | "appchat/create"
  | "appchat/send"
  | "webhook/send"
  | "media/upload"
  | "user/get";

export interface WecomEmulatorOptions {
  corpId: string;
  secret: string;
  agentId: number;
  /** Callback Token and EncodingAESKey, for {@link WecomEmulator.callbacks}. */
  token: string;
  encodingAesKey: string;
  now: () => Date;
  /** expires_in of issued tokens, default 7200. */
  tokenTtlSeconds?: number;
  /** Accepted webhook keys; any key when omitted. Others get 93000. */
  webhookKeys?: readonly string[];
  /** Which UserIDs exist; unknown ones come back in `invaliduser`. Everyone when omitted. */
  userExists?: (userId: string) => boolean;
  /**
   * The corp's members, for user/get (and, when `userExists` is omitted, for message/send: only
   * visible members receive). Without it every userid is a visible member named after itself.
   */
  members?: readonly EmulatedMember[];
  /** Override WeCom's limits (e.g. a small hourly limit to test the mechanism quickly). */
  limits?: Partial<WecomLimits>;
}

/** A member of the emulated corp. */
export interface EmulatedMember {
  userid: string;
  name: string;
  department?: number[];
  /** 1 activated (default), 2 disabled, 4 not activated, 5 left. */
  status?: number;
  /** False: outside the app's visibility (user/get answers 60011, message/send lists it invalid). */
  visible?: boolean;
}

/** Who a delivery went to. Party and tag membership is unknown to the emulator. */
export type DeliveryRecipient =
  | { type: "user"; userId: string }
  | { type: "all" }
  | { type: "party"; partyId: string }
  | { type: "tag"; tagId: string }
  | { type: "chat"; chatId: string }
  | { type: "webhook"; key: string };

/** One message delivered (or card update applied) to one recipient. */
export interface Delivery {
  /** Increasing across the emulator's life. */
  seq: number;
  at: Date;
  api: "message/send" | "message/update_template_card" | "appchat/send" | "webhook/send";
  recipient: DeliveryRecipient;
  /** msgtype of the body; "update_button" / "update_template_card" for card updates. */
  msgtype: string;
  /** The full JSON body as received. */
  body: Record<string, unknown>;
  /** message/send only. */
  msgId?: string;
  /** Interactive template cards only. */
  responseCode?: string;
}

export type ViolationKind =
  /** message/send to one member beyond 30/min or 1000/h: WeCom drops these silently. */
  | "member_rate_limit"
  /** A member received more than 200 app-chat messages in a minute: dropped silently. */
  | "appchat_member_rate_limit"
  /** A webhook key beyond 20 messages/min (answered 45009). */
  | "webhook_rate_limit"
  /** Text / markdown over the byte limit: WeCom truncates silently. */
  | "content_too_long"
  /** A template card task_id reused (task ids must be unique per app). */
  | "duplicate_task_id"
  /** update_template_card with an unknown, used or expired response_code. */
  | "invalid_response_code";

export interface Violation {
  at: Date;
  kind: ViolationKind;
  api: EmulatedApi;
  detail: string;
  recipient?: DeliveryRecipient;
}

/** Exactly one of errcode / httpStatus / hang. */
export interface FaultSpec {
  /** Which API; default every API except gettoken. */
  api?: EmulatedApi | "*";
  /** How many calls it affects, default 1. */
  times?: number;
  /** Answer 200 with this errcode (e.g. 42001, 45009, -1). */
  errcode?: number;
  errmsg?: string;
  /** Answer with this HTTP status and a non-JSON body. */
  httpStatus?: number;
  /** Never answer; released by {@link WecomEmulator.releaseHangs} or close. */
  hang?: boolean;
}

export interface CallRecord {
  at: Date;
  api: EmulatedApi;
  /** errcode answered (or null for an HTTP fault / hang). */
  errcode: number | null;
}

/** State kept per interactive card (by task_id). */
export interface EmulatedCard {
  taskId: string;
  cardType: string;
  userIds: string[];
  body: Record<string, unknown>;
}

export interface MediaRecord {
  type: string;
  filename: string;
  contentType: string | undefined;
  data: Buffer;
  createdAt: number;
}

export interface WecomEmulator {
  /** Routes under /cgi-bin/. Mount before any body parser: handlers read the raw request body. */
  readonly router: Router;
  /** `router.routes()`, to mount on the app's Koa instance. */
  middleware(): ReturnType<Router["routes"]>;
  /** Starts a standalone server (port 0 = any free port); `url` is the client's apiBase. */
  listen(port?: number, host?: string): Promise<{ url: string; server: Server; close(): Promise<void> }>;
  /** Encrypted callback requests for this app (same crypto as production). */
  readonly callbacks: CallbackSender;

  /** Every delivery, oldest first. */
  deliveries(): readonly Delivery[];
  /**
   * What a member saw: messages to them or to @all, updates of their cards, and messages in app
   * chats they belong to; oldest first, optionally only those at or after `since`.
   */
  inbox(userId: string, since?: Date): Delivery[];
  chatMessages(chatId: string): Delivery[];
  webhookMessages(key: string): Delivery[];
  /** Members of an app chat created through appchat/create. */
  chatMembers(chatId: string): string[] | undefined;
  violations(): readonly Violation[];
  calls(api?: EmulatedApi): CallRecord[];
  media(mediaId: string): MediaRecord | undefined;
  card(taskId: string): EmulatedCard | undefined;

  /** Queues a fault for the next matching calls. */
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Answers (with -1) every request held by a `hang` fault. */
  releaseHangs(): void;
  /** Invalidates every issued token early, as WeCom sometimes does (next calls get 40014). */
  revokeTokens(): void;
  /**
   * Simulates a member clicking a button of an interactive card they received: issues the
   * one-shot ResponseCode WeCom puts in the click callback. Null if no such card for that member.
   */
  clickCard(userId: string, taskId: string): { cardType: string; responseCode: string } | null;
  /** Subscribe to deliveries (e.g. the sandbox waiting for replies); returns an unsubscribe. */
  onDelivery(listener: (delivery: Delivery) => void): () => void;
  /** Forgets deliveries, violations, calls, faults, tokens, chats, cards and media. */
  reset(): void;
}

type Json = Record<string, unknown>;

interface IssuedToken {
  expiresAt: number;
  revoked: boolean;
}

interface ResponseCodeState {
  taskId: string;
  expiresAt: number;
  used: boolean;
}

const INTERACTIVE_CARDS = new Set(["button_interaction", "vote_interaction", "multiple_interaction"]);
/** Response codes are documented as 24 h in older docs and 72 h in newer ones; emulate the safe 24 h. */
const RESPONSE_CODE_TTL_MS = 24 * 3600_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3600_000;
const JSON_LIMIT = "2mb";
const MEDIA_LIMIT = "25mb";

/** Creates an emulator; nothing listens until {@link WecomEmulator.listen} or mounting its router. */
export function createWecomEmulator(options: WecomEmulatorOptions): WecomEmulator {
  const { now } = options;
  const ttlSeconds = options.tokenTtlSeconds ?? 7200;
  // WeCom compares userids case-insensitively.
  const members = options.members
    ? new Map(options.members.map((m) => [m.userid.toLowerCase(), m]))
    : undefined;
  const memberOf = (userId: string): EmulatedMember | undefined =>
    members ? members.get(userId.toLowerCase()) : { userid: userId, name: userId };
  const userExists =
    options.userExists ??
    ((userId: string) => {
      const member = memberOf(userId);
      return member !== undefined && member.visible !== false;
    });
  const limits: WecomLimits = { ...WECOM_LIMITS, ...options.limits };

  let tokens = new Map<string, IssuedToken>();
  let deliveries: Delivery[] = [];
  let violations: Violation[] = [];
  let calls: CallRecord[] = [];
  let faults: (FaultSpec & { times: number })[] = [];
  let chats = new Map<string, string[]>();
  let cards = new Map<string, EmulatedCard>();
  let responseCodes = new Map<string, ResponseCodeState>();
  let media = new Map<string, MediaRecord>();
  let duplicateCheck = new Map<string, number>();
  /** Delivery instants per rate-limit bucket (e.g. "member:zhangsan"). */
  let rateBuckets = new Map<string, number[]>();
  const hangs = new Set<() => void>();
  const listeners = new Set<(delivery: Delivery) => void>();
  let seq = 0;
  let tokenCounter = 0;

  const nowMs = () => now().getTime();
  const newId = (prefix: string) => `${prefix}${randomBytes(12).toString("hex")}`;

  function record(delivery: Omit<Delivery, "seq" | "at">): Delivery {
    seq += 1;
    const full: Delivery = { seq, at: now(), ...delivery };
    deliveries.push(full);
    for (const listener of listeners) listener(full);
    return full;
  }

  function violate(
    kind: ViolationKind,
    api: EmulatedApi,
    detail: string,
    recipient?: DeliveryRecipient,
  ): void {
    violations.push({ at: now(), kind, api, detail, ...(recipient ? { recipient } : {}) });
  }

  /** Counts an event in a sliding window; false when the bucket is already at `limit`. */
  function withinRate(bucket: string, limit: number, windowMs: number): boolean {
    const cutoff = nowMs() - windowMs;
    const times = (rateBuckets.get(bucket) ?? []).filter((t) => t > cutoff);
    rateBuckets.set(bucket, times);
    return times.length < limit;
  }

  function countRate(bucket: string): void {
    const times = rateBuckets.get(bucket) ?? [];
    times.push(nowMs());
    rateBuckets.set(bucket, times);
  }

  function answer(ctx: RouterContext, api: EmulatedApi, body: Json): void {
    const errcode = typeof body.errcode === "number" ? body.errcode : 0;
    calls.push({ at: now(), api, errcode });
    ctx.status = 200;
    ctx.type = "application/json";
    ctx.body = JSON.stringify(body);
  }

  const fail = (ctx: RouterContext, api: EmulatedApi, errcode: number, errmsg: string) =>
    answer(ctx, api, { errcode, errmsg });

  /** Applies a queued fault; true when the request has been answered by it. */
  async function applyFault(ctx: RouterContext, api: EmulatedApi): Promise<boolean> {
    const index = faults.findIndex((f) =>
      f.api === undefined ? api !== "gettoken" : f.api === "*" || f.api === api,
    );
    const fault = faults[index];
    if (fault === undefined) return false;
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    if (fault.hang) {
      calls.push({ at: now(), api, errcode: null });
      await new Promise<void>((resolve) => hangs.add(resolve));
      // Released: the client has most likely gone; answer "system busy" anyway.
      ctx.status = 200;
      ctx.type = "application/json";
      ctx.body = JSON.stringify({ errcode: -1, errmsg: "system busy" });
      return true;
    }
    if (fault.httpStatus !== undefined) {
      calls.push({ at: now(), api, errcode: null });
      ctx.status = fault.httpStatus;
      ctx.type = "text/html";
      ctx.body = "<html><body>emulated gateway error</body></html>";
      return true;
    }
    fail(ctx, api, fault.errcode ?? -1, fault.errmsg ?? "emulated fault");
    return true;
  }

  /** Validates access_token; answers and returns false when it is missing, unknown or expired. */
  function checkToken(ctx: RouterContext, api: EmulatedApi): boolean {
    const token = typeof ctx.query.access_token === "string" ? ctx.query.access_token : "";
    if (token === "") {
      fail(ctx, api, 41001, "access_token missing");
      return false;
    }
    const issued = tokens.get(token);
    if (issued === undefined || issued.revoked) {
      fail(ctx, api, 40014, "invalid access_token");
      return false;
    }
    if (nowMs() >= issued.expiresAt) {
      fail(ctx, api, 42001, "access_token expired");
      return false;
    }
    return true;
  }

  async function readJson(ctx: RouterContext, api: EmulatedApi): Promise<Json | null> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await getRawBody(ctx.req, { limit: JSON_LIMIT, encoding: "utf8" }));
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      fail(ctx, api, 47001, "data format error");
      return null;
    }
    return parsed as Json;
  }

  /** Records a content_too_long violation when text / markdown exceeds WeCom's byte limit. */
  function checkContent(api: EmulatedApi, body: Json, max: { text: number; markdown: number }): void {
    const msgtype = body.msgtype;
    if (msgtype !== "text" && msgtype !== "markdown") return;
    const section = body[msgtype];
    const content = isRecord(section) && typeof section.content === "string" ? section.content : "";
    const bytes = Buffer.byteLength(content, "utf8");
    const limit = msgtype === "text" ? max.text : max.markdown;
    if (bytes > limit)
      violate("content_too_long", api, `${msgtype} content is ${bytes} bytes, limit ${limit}`);
  }

  function messageSection(body: Json): { msgtype: string; section: Json } | null {
    const msgtype = body.msgtype;
    if (typeof msgtype !== "string") return null;
    const section = body[msgtype];
    return isRecord(section) ? { msgtype, section } : null;
  }

  function issueResponseCode(taskId: string): string {
    const code = newId("rc");
    responseCodes.set(code, { taskId, expiresAt: nowMs() + RESPONSE_CODE_TTL_MS, used: false });
    return code;
  }

  const router = new Router({ prefix: "/cgi-bin" });

  router.get("/gettoken", async (ctx) => {
    const api = "gettoken";
    if (await applyFault(ctx, api)) return;
    if (ctx.query.corpid !== options.corpId) return fail(ctx, api, 40013, "invalid corpid");
    if (typeof ctx.query.corpsecret !== "string" || ctx.query.corpsecret === "") {
      return fail(ctx, api, 41004, "corpsecret missing");
    }
    if (ctx.query.corpsecret !== options.secret) return fail(ctx, api, 40001, "invalid credential");
    tokenCounter += 1;
    const token = `emu-${tokenCounter}-${randomBytes(16).toString("hex")}`;
    tokens.set(token, { expiresAt: nowMs() + ttlSeconds * 1000, revoked: false });
    answer(ctx, api, { errcode: 0, errmsg: "ok", access_token: token, expires_in: ttlSeconds });
  });

  router.post("/message/send", async (ctx) => {
    const api = "message/send";
    if (await applyFault(ctx, api)) return;
    if (!checkToken(ctx, api)) return;
    const body = await readJson(ctx, api);
    if (body === null) return;
    if (body.agentid !== options.agentId) return fail(ctx, api, 40056, "invalid agentid");
    const message = messageSection(body);
    if (message === null) return fail(ctx, api, 40008, "invalid message type");
    checkContent(api, body, { text: limits.textBytes, markdown: limits.markdownBytes });

    const userIds = splitIds(body.touser);
    const parties = splitIds(body.toparty);
    const tags = splitIds(body.totag);
    if (userIds.length + parties.length + tags.length === 0) {
      return fail(ctx, api, 40035, "emulator: no recipients");
    }
    const toAll = userIds.includes("@all");
    const invalid = toAll ? [] : userIds.filter((id) => !userExists(id));
    const valid = toAll ? [] : userIds.filter((id) => userExists(id));
    if (!toAll && valid.length === 0 && parties.length === 0 && tags.length === 0) {
      return fail(ctx, api, 81013, "user & party & tag all invalid");
    }

    let responseCode: string | undefined;
    if (message.msgtype === "template_card") {
      const cardType = typeof message.section.card_type === "string" ? message.section.card_type : "";
      const taskId = typeof message.section.task_id === "string" ? message.section.task_id : undefined;
      const interactive = INTERACTIVE_CARDS.has(cardType) || isRecord(message.section.action_menu);
      if (interactive && taskId === undefined) return fail(ctx, api, 40035, "emulator: task_id required");
      if (taskId !== undefined) {
        if (cards.has(taskId)) {
          violate("duplicate_task_id", api, `task_id ${taskId} already used`);
          return fail(ctx, api, 40035, "emulator: task_id already used");
        }
        cards.set(taskId, { taskId, cardType, userIds: toAll ? ["@all"] : valid, body });
      }
      if (interactive && taskId !== undefined) responseCode = issueResponseCode(taskId);
    }

    // enable_duplicate_check: identical JSON within the interval is not delivered again.
    const interval = typeof body.duplicate_check_interval === "number" ? body.duplicate_check_interval : 1800;
    const fingerprint = JSON.stringify(body);
    const duplicate =
      body.enable_duplicate_check === 1 &&
      nowMs() - (duplicateCheck.get(fingerprint) ?? -Infinity) < interval * 1000;
    if (body.enable_duplicate_check === 1 && !duplicate) duplicateCheck.set(fingerprint, nowMs());

    const msgId = newId("msg");
    if (!duplicate) {
      const base = {
        api,
        msgtype: message.msgtype,
        body,
        msgId,
        ...(responseCode ? { responseCode } : {}),
      } as const;
      if (toAll) record({ ...base, recipient: { type: "all" } });
      for (const userId of valid) {
        const recipient = { type: "user", userId } as const;
        const minuteOk = withinRate(`member-min:${userId}`, limits.memberMessagesPerMinute, MINUTE_MS);
        const hourOk = withinRate(`member-hour:${userId}`, limits.memberMessagesPerHour, HOUR_MS);
        if (!minuteOk || !hourOk) {
          // WeCom drops these without an error (wecom.md §4.6).
          violate(
            "member_rate_limit",
            api,
            `over ${minuteOk ? `${limits.memberMessagesPerHour}/h` : `${limits.memberMessagesPerMinute}/min`} for ${userId}`,
            recipient,
          );
          continue;
        }
        countRate(`member-min:${userId}`);
        countRate(`member-hour:${userId}`);
        record({ ...base, recipient });
      }
      for (const partyId of parties) record({ ...base, recipient: { type: "party", partyId } });
      for (const tagId of tags) record({ ...base, recipient: { type: "tag", tagId } });
    }
    answer(ctx, api, {
      errcode: 0,
      errmsg: "ok",
      invaliduser: invalid.join("|"),
      msgid: msgId,
      ...(responseCode ? { response_code: responseCode } : {}),
    });
  });

  router.post("/message/update_template_card", async (ctx) => {
    const api = "message/update_template_card";
    if (await applyFault(ctx, api)) return;
    if (!checkToken(ctx, api)) return;
    const body = await readJson(ctx, api);
    if (body === null) return;
    if (body.agentid !== options.agentId) return fail(ctx, api, 40056, "invalid agentid");
    const code = typeof body.response_code === "string" ? body.response_code : "";
    const state = responseCodes.get(code);
    if (state === undefined || state.used || nowMs() >= state.expiresAt) {
      const why = state === undefined ? "unknown" : state.used ? "already used" : "expired";
      violate("invalid_response_code", api, `response_code ${why}`);
      return fail(ctx, api, 40035, `emulator: response_code ${why}`);
    }
    const hasButton = isRecord(body.button) && typeof body.button.replace_name === "string";
    const hasCard = isRecord(body.template_card);
    if (hasButton === hasCard)
      return fail(ctx, api, 40035, "emulator: need exactly one of button / template_card");
    state.used = true;
    const card = cards.get(state.taskId);
    const userIds = body.atall === 1 ? (card?.userIds ?? []) : splitIds(body.userids);
    const msgtype = hasButton ? "update_button" : "update_template_card";
    for (const userId of userIds) {
      record({
        api,
        msgtype,
        body,
        recipient: userId === "@all" ? { type: "all" } : { type: "user", userId },
      });
    }
    answer(ctx, api, { errcode: 0, errmsg: "ok" });
  });

  router.post("/appchat/create", async (ctx) => {
    const api = "appchat/create";
    if (await applyFault(ctx, api)) return;
    if (!checkToken(ctx, api)) return;
    const body = await readJson(ctx, api);
    if (body === null) return;
    const userList = Array.isArray(body.userlist) ? body.userlist.filter((u) => typeof u === "string") : [];
    if (userList.length < 2 || userList.length > 2000) {
      return fail(ctx, api, 40035, "emulator: userlist must hold 2..2000 members");
    }
    if (typeof body.name === "string" && [...body.name].length > 50) {
      return fail(ctx, api, 40035, "emulator: name longer than 50 characters");
    }
    const chatId = typeof body.chatid === "string" ? body.chatid : newId("chat").slice(0, 32);
    if (!/^[0-9a-zA-Z]{1,32}$/.test(chatId)) return fail(ctx, api, 40035, "emulator: invalid chatid");
    if (chats.has(chatId)) return fail(ctx, api, 40035, "emulator: chatid already exists");
    chats.set(chatId, userList);
    answer(ctx, api, { errcode: 0, errmsg: "ok", chatid: chatId });
  });

  router.post("/appchat/send", async (ctx) => {
    const api = "appchat/send";
    if (await applyFault(ctx, api)) return;
    if (!checkToken(ctx, api)) return;
    const body = await readJson(ctx, api);
    if (body === null) return;
    const chatId = typeof body.chatid === "string" ? body.chatid : "";
    const members = chats.get(chatId);
    if (members === undefined) return fail(ctx, api, 40035, "emulator: chat not found");
    const message = messageSection(body);
    if (message === null || message.msgtype === "template_card") {
      return fail(ctx, api, 40008, "invalid message type");
    }
    checkContent(api, body, { text: limits.textBytes, markdown: limits.markdownBytes });
    const recipient = { type: "chat", chatId } as const;
    for (const userId of members) {
      if (!withinRate(`appchat-member:${userId}`, limits.appChatMemberMessagesPerMinute, MINUTE_MS)) {
        violate(
          "appchat_member_rate_limit",
          api,
          `member ${userId} over ${limits.appChatMemberMessagesPerMinute}/min`,
          recipient,
        );
      }
      countRate(`appchat-member:${userId}`);
    }
    record({ api, msgtype: message.msgtype, body, recipient });
    answer(ctx, api, { errcode: 0, errmsg: "ok" });
  });

  router.post("/webhook/send", async (ctx) => {
    const api = "webhook/send";
    if (await applyFault(ctx, api)) return;
    const key = typeof ctx.query.key === "string" ? ctx.query.key : "";
    if (key === "" || (options.webhookKeys !== undefined && !options.webhookKeys.includes(key))) {
      return fail(ctx, api, 93000, "invalid webhook url");
    }
    const body = await readJson(ctx, api);
    if (body === null) return;
    const message = messageSection(body);
    if (message === null) return fail(ctx, api, 40008, "invalid message type");
    const recipient = { type: "webhook", key } as const;
    if (!withinRate(`webhook:${key}`, limits.webhookMessagesPerMinute, MINUTE_MS)) {
      violate("webhook_rate_limit", api, `over ${limits.webhookMessagesPerMinute} messages/min`, recipient);
      return fail(ctx, api, 45009, "api freq out of limit");
    }
    countRate(`webhook:${key}`);
    checkContent(api, body, {
      text: limits.webhookTextBytes,
      markdown: limits.webhookMarkdownBytes,
    });
    record({ api, msgtype: message.msgtype, body, recipient });
    answer(ctx, api, { errcode: 0, errmsg: "ok" });
  });

  router.post("/media/upload", async (ctx) => {
    const api = "media/upload";
    if (await applyFault(ctx, api)) return;
    if (!checkToken(ctx, api)) return;
    const type = typeof ctx.query.type === "string" ? ctx.query.type : "";
    if (!["image", "voice", "video", "file"].includes(type))
      return fail(ctx, api, 40004, "invalid media type");
    const raw = await getRawBody(ctx.req, { limit: MEDIA_LIMIT });
    const part = parseMultipart(ctx.get("content-type"), raw)?.find((p) => p.name === "media");
    if (part === undefined || part.filename === undefined || part.data.length < 5) {
      return fail(ctx, api, 40005, "invalid file type");
    }
    const mediaId = newId("media");
    const createdAt = Math.floor(nowMs() / 1000);
    media.set(mediaId, {
      type,
      filename: part.filename,
      contentType: part.contentType,
      data: part.data,
      createdAt,
    });
    answer(ctx, api, { errcode: 0, errmsg: "", type, media_id: mediaId, created_at: String(createdAt) });
  });

  router.get("/user/get", async (ctx) => {
    const api = "user/get";
    if (await applyFault(ctx, api)) return;
    if (!checkToken(ctx, api)) return;
    const userId = typeof ctx.query.userid === "string" ? ctx.query.userid : "";
    if (userId === "") return fail(ctx, api, 41009, "missing userid");
    // A userid is 1..64 bytes of letters, digits and _-.@ (WeCom: 40003 invalid userid otherwise).
    if (!/^[A-Za-z0-9_\-.@]{1,64}$/.test(userId)) return fail(ctx, api, 40003, "invalid userid");
    const member = options.userExists
      ? options.userExists(userId)
        ? (memberOf(userId) ?? { userid: userId, name: userId })
        : undefined
      : memberOf(userId);
    if (member === undefined) return fail(ctx, api, 60111, "userid not found");
    if (member.visible === false)
      return fail(ctx, api, 60011, "no privilege to access/modify contact/party/agent");
    // A self-built app created after June 2022 gets no mobile, email, avatar, gender or address.
    answer(ctx, api, {
      errcode: 0,
      errmsg: "ok",
      userid: member.userid,
      name: member.name,
      department: member.department ?? [1],
      status: member.status ?? 1,
    });
  });

  const middleware = () => router.routes();

  const inChat = (userId: string, recipient: DeliveryRecipient) =>
    recipient.type === "chat" && (chats.get(recipient.chatId) ?? []).includes(userId);

  return {
    router,
    middleware,
    callbacks: createCallbackSender({
      corpId: options.corpId,
      agentId: options.agentId,
      token: options.token,
      encodingAesKey: options.encodingAesKey,
      now,
    }),

    async listen(port = 0, host = "127.0.0.1") {
      const app = new Koa();
      app.use(middleware());
      const server = await new Promise<Server>((resolve, reject) => {
        const listening = app.listen(port, host, () => resolve(listening));
        listening.once("error", reject);
      });
      const address = server.address() as AddressInfo;
      return {
        url: `http://${host}:${address.port}`,
        server,
        close: () =>
          new Promise<void>((resolve) => {
            releaseHangs();
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    },

    deliveries: () => deliveries,
    inbox(userId, since) {
      return deliveries.filter(
        (d) =>
          (since === undefined || d.at.getTime() >= since.getTime()) &&
          ((d.recipient.type === "user" && d.recipient.userId === userId) ||
            d.recipient.type === "all" ||
            inChat(userId, d.recipient)),
      );
    },
    chatMessages: (chatId) =>
      deliveries.filter((d) => d.recipient.type === "chat" && d.recipient.chatId === chatId),
    webhookMessages: (key) =>
      deliveries.filter((d) => d.recipient.type === "webhook" && d.recipient.key === key),
    chatMembers: (chatId) => chats.get(chatId)?.slice(),
    violations: () => violations,
    calls: (api) => (api === undefined ? calls.slice() : calls.filter((c) => c.api === api)),
    media: (mediaId) => media.get(mediaId),
    card: (taskId) => cards.get(taskId),

    injectFault(fault) {
      const kinds = [fault.errcode !== undefined, fault.httpStatus !== undefined, fault.hang === true];
      if (kinds.filter(Boolean).length !== 1) {
        throw new TypeError("injectFault: give exactly one of errcode, httpStatus, hang");
      }
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    releaseHangs,
    revokeTokens() {
      for (const issued of tokens.values()) issued.revoked = true;
    },
    clickCard(userId, taskId) {
      const card = cards.get(taskId);
      if (card === undefined || !(card.userIds.includes(userId) || card.userIds.includes("@all")))
        return null;
      return { cardType: card.cardType, responseCode: issueResponseCode(taskId) };
    },
    onDelivery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset() {
      releaseHangs();
      tokens = new Map();
      deliveries = [];
      violations = [];
      calls = [];
      faults = [];
      chats = new Map();
      cards = new Map();
      responseCodes = new Map();
      media = new Map();
      duplicateCheck = new Map();
      rateBuckets = new Map();
    },
  };

  function releaseHangs(): void {
    for (const release of hangs) release();
    hangs.clear();
  }
}

function splitIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string" && v !== "");
  if (typeof value === "string") return value.split("|").filter((v) => v !== "");
  if (typeof value === "number") return [String(value)];
  return [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
