/**
 * WeCom server API client for a self-built app (wecom.md §4): access token handling, message/send,
 * template card updates, app group chats, media upload, the group robot webhook, and reading one
 * member (user/get) to confirm a userid exists.
 *
 * Token policy (wecom.md §4.1, §7.3): cached in a {@link TokenStore} until `expires_in`, refreshed
 * 5 minutes early, one refresh in flight per process (plus the store's optional lock across
 * processes); on 40014 / 42001 / 41001 the token is dropped, refreshed once and the call retried
 * once. A bad secret (40001) is a configuration error and never retried.
 *
 * The client does not retry transient failures itself: it throws {@link WecomApiError} with
 * `retryable` set and leaves back-off to the outbox worker.
 */
import { RETRYABLE_ERRCODES, WecomApiError } from "./errors";
import { WECOM_LIMITS } from "./limits";
import type { AppChatMessageContent, AppMessageContent, TemplateCard, WebhookMessage } from "./messages";
import { createMemoryTokenStore, type StoredToken, type TokenStore } from "./token-store";

/** errcodes meaning "this access token is not (or no longer) valid" (wecom.md §4.7). */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40014, 42001, 41001]);
/** gettoken errcodes that mean wrong credentials: 40001 bad secret, 40013 bad corpid, 41002/41004 missing. */
const CREDENTIAL_ERRCODES: ReadonlySet<number> = new Set([40001, 40013, 41002, 41004]);

export interface WecomClientOptions {
  /** e.g. https://qyapi.weixin.qq.com, or the emulator's http://127.0.0.1:PORT. */
  apiBase: string;
  corpId: string;
  secret: string;
  agentId: number;
  /** Defaults to a process-local store. */
  tokenStore?: TokenStore;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  now: () => Date;
  /** Per-request timeout (AbortSignal.timeout), default 10 s. */
  timeoutMs?: number;
  /** Refresh this long before expiry, default 5 min. */
  refreshMarginMs?: number;
}

export interface Recipients {
  /** UserIDs (≤1000), or "@all" for everyone in the app's visibility. */
  touser?: readonly string[] | "@all";
  toparty?: readonly (string | number)[];
  totag?: readonly (string | number)[];
}

export interface SendMessageRequest extends Recipients {
  message: AppMessageContent;
  /** 保密消息. */
  safe?: boolean;
  /** Identical JSON within the interval is not delivered again (WeCom-side dedupe). */
  enableDuplicateCheck?: boolean;
  /** Seconds, default 1800, max 14400. */
  duplicateCheckInterval?: number;
}

export interface SendMessageResult {
  /** For message/recall (24 h). */
  msgId: string | undefined;
  /** Only for interactive template cards; one-shot code for updateTemplateCard. */
  responseCode: string | undefined;
  /** Partial failures still come back with errcode 0 (wecom.md §4.2). */
  invalidUsers: string[];
  invalidParties: string[];
  invalidTags: string[];
  unlicensedUsers: string[];
}

export interface UpdateTemplateCardRequest {
  /** Members whose copy is updated; use `all: true` for every recipient of the task. */
  userIds?: readonly string[];
  partyIds?: readonly number[];
  tagIds?: readonly number[];
  all?: boolean;
  /** From the send response or the click callback's ResponseCode; usable once (treat as valid 24 h). */
  responseCode: string;
  /** Either turn the button into a disabled one with this text, or replace the whole card. */
  update: { replaceName: string } | { templateCard: TemplateCard };
}

export interface CreateAppChatRequest {
  /** ≤ 50 characters. */
  name: string;
  owner?: string;
  /** 2–2000 UserIDs. */
  userIds: readonly string[];
  /** ≤ 32 chars of [0-9a-zA-Z]; random when omitted. */
  chatId?: string;
}

export interface UploadMediaRequest {
  type: "image" | "voice" | "video" | "file";
  filename: string;
  data: Uint8Array;
  contentType?: string;
}

export interface UploadMediaResult {
  /** Valid 3 days. */
  mediaId: string;
  /** Unix seconds, as WeCom reports it. */
  createdAt: number;
}

/** A member as user/get answers for a self-built app (since 2022 without mobile, email, avatar). */
export interface WecomMember {
  userid: string;
  name: string | undefined;
  department: number[];
  /** 1 activated, 2 disabled, 4 not activated, 5 left the corp. */
  status: number | undefined;
}

/**
 * user/get's answer: the member, or why not. `not_found` is 60111 (no such userid; 40003 for a
 * userid WeCom cannot even parse); `out_of_range` is 60011 (the member exists but lies outside the
 * app's visibility, which is all a self-built app may read since 2022).
 */
export type GetMemberResult =
  | { kind: "found"; member: WecomMember }
  | { kind: "not_found"; errcode: number }
  | { kind: "out_of_range"; errcode: number };

/** user/get errcodes that answer the question rather than fail the call. */
const MEMBER_NOT_FOUND_ERRCODES: ReadonlySet<number> = new Set([60111, 40003]);
const MEMBER_OUT_OF_RANGE_ERRCODES: ReadonlySet<number> = new Set([60011]);

export interface WecomClient {
  /** A valid access token (cached, refreshed early, single-flight). */
  getAccessToken(): Promise<string>;
  /** POST /cgi-bin/message/send. */
  sendMessage(request: SendMessageRequest): Promise<SendMessageResult>;
  /** POST /cgi-bin/message/update_template_card. */
  updateTemplateCard(request: UpdateTemplateCardRequest): Promise<void>;
  /** POST /cgi-bin/appchat/create; resolves to the chat id. */
  createAppChat(request: CreateAppChatRequest): Promise<string>;
  /** POST /cgi-bin/appchat/send. */
  sendAppChat(chatId: string, message: AppChatMessageContent, options?: { safe?: boolean }): Promise<void>;
  /** POST /cgi-bin/webhook/send?key=KEY (group robot; no access token; 20 msgs/min per robot). */
  sendWebhook(key: string, message: WebhookMessage): Promise<void>;
  /** POST /cgi-bin/media/upload (multipart, field "media"). */
  uploadMedia(request: UploadMediaRequest): Promise<UploadMediaResult>;
  /** GET /cgi-bin/user/get: whether a userid exists and is visible to the app (sends nothing). */
  getMember(userid: string): Promise<GetMemberResult>;
}

type Json = Record<string, unknown>;

interface CallSpec {
  api: string;
  method: "GET" | "POST";
  query?: Record<string, string>;
  /** Built per attempt: a FormData body cannot be re-sent. */
  body?: () => { body: string | FormData; contentType?: string };
}

/** Creates a client; no I/O happens until the first call. */
export function createWecomClient(options: WecomClientOptions): WecomClient {
  const apiBase = options.apiBase.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const store = options.tokenStore ?? createMemoryTokenStore();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
  const tokenKey = `wecom:${options.corpId}:${options.agentId}`;
  const { now } = options;

  let memo: StoredToken | null = null;
  let inflight: Promise<string> | null = null;

  const isFresh = (stored: StoredToken | null): stored is StoredToken =>
    stored !== null && now().getTime() + refreshMarginMs < stored.expiresAt.getTime();

  async function fetchJson(spec: CallSpec): Promise<Json> {
    const url = new URL(apiBase + spec.api);
    for (const [name, value] of Object.entries(spec.query ?? {})) url.searchParams.set(name, value);
    const built = spec.body?.();
    const headers: Record<string, string> = {};
    if (built?.contentType !== undefined) headers["content-type"] = built.contentType;

    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: spec.method,
        headers,
        body: built?.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // Duck-typed: the DOMException from AbortSignal.timeout may come from another realm.
      const name = typeof error === "object" && error !== null && "name" in error ? error.name : undefined;
      const timedOut = name === "TimeoutError" || name === "AbortError";
      throw new WecomApiError({
        code: timedOut ? "timeout" : "network_error",
        api: spec.api,
        errmsg: timedOut ? `no response within ${timeoutMs} ms` : describe(error),
        retryable: true,
        cause: error,
      });
    }
    if (response.status !== 200) {
      throw new WecomApiError({
        code: "http_error",
        api: spec.api,
        errmsg: `HTTP ${response.status}`,
        httpStatus: response.status,
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      // Usually a proxy or gateway page in front of WeCom: transient.
      throw new WecomApiError({
        code: "invalid_response",
        api: spec.api,
        errmsg: "response is not a JSON object",
        httpStatus: response.status,
        retryable: true,
      });
    }
    return json as Json;
  }

  function errcodeOf(json: Json): number {
    return typeof json.errcode === "number" ? json.errcode : 0;
  }

  function apiError(api: string, json: Json, errcode: number): WecomApiError {
    return new WecomApiError({
      code: "api_error",
      api,
      errcode,
      errmsg: typeof json.errmsg === "string" ? json.errmsg : "",
      retryable: RETRYABLE_ERRCODES.has(errcode),
    });
  }

  async function fetchToken(): Promise<StoredToken> {
    const api = "/cgi-bin/gettoken";
    const json = await fetchJson({
      api,
      method: "GET",
      query: { corpid: options.corpId, corpsecret: options.secret },
    });
    const errcode = errcodeOf(json);
    if (CREDENTIAL_ERRCODES.has(errcode)) {
      throw new WecomApiError({
        code: "bad_credentials",
        api,
        errcode,
        errmsg: typeof json.errmsg === "string" ? json.errmsg : "",
        retryable: false,
      });
    }
    if (errcode !== 0) throw apiError(api, json, errcode);
    const token = json.access_token;
    const expiresIn = json.expires_in;
    if (typeof token !== "string" || token === "" || typeof expiresIn !== "number" || expiresIn <= 0) {
      throw new WecomApiError({
        code: "invalid_response",
        api,
        errmsg: "gettoken answered without access_token / expires_in",
        retryable: true,
      });
    }
    return { token, expiresAt: new Date(now().getTime() + expiresIn * 1000) };
  }

  /** Fetches a new token unless the store already holds a fresh one other than `stale`. */
  function refresh(stale: string | undefined): Promise<string> {
    if (inflight === null) {
      const run = async (): Promise<string> => {
        const stored = await store.get(tokenKey);
        if (isFresh(stored) && stored.token !== stale) {
          memo = stored;
          return stored.token;
        }
        const fresh = await fetchToken();
        await store.set(tokenKey, fresh.token, fresh.expiresAt);
        memo = fresh;
        return fresh.token;
      };
      inflight = (store.lock ? store.lock(tokenKey, run) : run()).finally(() => {
        inflight = null;
      });
    }
    return inflight;
  }

  async function getAccessToken(): Promise<string> {
    if (isFresh(memo)) return memo.token;
    if (inflight === null) {
      const stored = await store.get(tokenKey);
      if (isFresh(stored)) {
        memo = stored;
        return stored.token;
      }
    }
    return refresh(undefined);
  }

  async function replaceToken(stale: string): Promise<string> {
    if (memo?.token === stale) memo = null;
    const token = await refresh(stale);
    // A refresh already in flight may have read the stale token from the store: go once more.
    return token === stale ? refresh(stale) : token;
  }

  /** Calls an access-token API; on a token error refreshes once and retries once. */
  async function callWithToken(spec: CallSpec): Promise<Json> {
    let token = await getAccessToken();
    for (let attempt = 0; ; attempt++) {
      const json = await fetchJson({ ...spec, query: { ...spec.query, access_token: token } });
      const errcode = errcodeOf(json);
      if (errcode === 0) return json;
      if (TOKEN_ERRCODES.has(errcode) && attempt === 0) {
        token = await replaceToken(token);
        continue;
      }
      // A second token error right after a refresh is churn (another process refreshing?):
      // retryable later by the outbox, but never retried in a loop here.
      const error = apiError(spec.api, json, errcode);
      throw TOKEN_ERRCODES.has(errcode)
        ? new WecomApiError({
            code: "api_error",
            api: spec.api,
            errcode,
            errmsg: error.errmsg,
            retryable: true,
          })
        : error;
    }
  }

  const jsonBody = (payload: unknown) => () => ({
    body: JSON.stringify(payload),
    contentType: "application/json; charset=utf-8",
  });

  return {
    getAccessToken,

    async sendMessage(request) {
      checkMessage("/cgi-bin/message/send", request.message);
      const touser = request.touser === "@all" ? "@all" : request.touser?.join("|");
      const toparty = request.toparty?.join("|");
      const totag = request.totag?.join("|");
      if (!touser && !toparty && !totag) {
        throw invalidRequest("/cgi-bin/message/send", "no recipients");
      }
      const interval = request.duplicateCheckInterval;
      if (
        interval !== undefined &&
        (!Number.isInteger(interval) ||
          interval <= 0 ||
          interval > WECOM_LIMITS.duplicateCheckIntervalMaxSeconds)
      ) {
        throw invalidRequest("/cgi-bin/message/send", "duplicateCheckInterval must be 1..14400 seconds");
      }
      const payload = {
        ...(touser ? { touser } : {}),
        ...(toparty ? { toparty } : {}),
        ...(totag ? { totag } : {}),
        agentid: options.agentId,
        ...request.message,
        safe: request.safe ? 1 : 0,
        enable_duplicate_check: request.enableDuplicateCheck ? 1 : 0,
        ...(interval !== undefined ? { duplicate_check_interval: interval } : {}),
      };
      const json = await callWithToken({
        api: "/cgi-bin/message/send",
        method: "POST",
        body: jsonBody(payload),
      });
      return {
        msgId: optionalString(json.msgid),
        responseCode: optionalString(json.response_code),
        invalidUsers: splitIds(json.invaliduser),
        invalidParties: splitIds(json.invalidparty),
        invalidTags: splitIds(json.invalidtag),
        unlicensedUsers: splitIds(json.unlicenseduser),
      };
    },

    async updateTemplateCard(request) {
      const payload = {
        ...(request.userIds ? { userids: request.userIds } : {}),
        ...(request.partyIds ? { partyids: request.partyIds } : {}),
        ...(request.tagIds ? { tagids: request.tagIds } : {}),
        ...(request.all ? { atall: 1 } : {}),
        agentid: options.agentId,
        response_code: request.responseCode,
        ...("replaceName" in request.update
          ? { button: { replace_name: request.update.replaceName } }
          : { template_card: request.update.templateCard }),
      };
      await callWithToken({
        api: "/cgi-bin/message/update_template_card",
        method: "POST",
        body: jsonBody(payload),
      });
    },

    async createAppChat(request) {
      const payload = {
        name: request.name,
        ...(request.owner ? { owner: request.owner } : {}),
        userlist: request.userIds,
        ...(request.chatId ? { chatid: request.chatId } : {}),
      };
      const json = await callWithToken({
        api: "/cgi-bin/appchat/create",
        method: "POST",
        body: jsonBody(payload),
      });
      const chatId = optionalString(json.chatid) ?? request.chatId;
      if (chatId === undefined) {
        throw new WecomApiError({
          code: "invalid_response",
          api: "/cgi-bin/appchat/create",
          errmsg: "no chatid in response",
          retryable: false,
        });
      }
      return chatId;
    },

    async sendAppChat(chatId, message, sendOptions) {
      checkMessage("/cgi-bin/appchat/send", message);
      const payload = { chatid: chatId, ...message, safe: sendOptions?.safe ? 1 : 0 };
      await callWithToken({ api: "/cgi-bin/appchat/send", method: "POST", body: jsonBody(payload) });
    },

    async sendWebhook(key, message) {
      const api = "/cgi-bin/webhook/send";
      checkWebhookMessage(api, message);
      const json = await fetchJson({ api, method: "POST", query: { key }, body: jsonBody(message) });
      const errcode = errcodeOf(json);
      if (errcode !== 0) throw apiError(api, json, errcode);
    },

    async uploadMedia(request) {
      const api = "/cgi-bin/media/upload";
      const json = await callWithToken({
        api,
        method: "POST",
        query: { type: request.type },
        body: () => {
          const form = new FormData();
          const blob = new Blob([request.data], { type: request.contentType ?? "application/octet-stream" });
          form.append("media", blob, request.filename);
          return { body: form };
        },
      });
      const mediaId = optionalString(json.media_id);
      if (mediaId === undefined) {
        throw new WecomApiError({
          code: "invalid_response",
          api,
          errmsg: "no media_id in response",
          retryable: true,
        });
      }
      return { mediaId, createdAt: Number(json.created_at ?? 0) };
    },

    async getMember(userid) {
      const api = "/cgi-bin/user/get";
      try {
        const json = await callWithToken({ api, method: "GET", query: { userid } });
        return {
          kind: "found",
          member: {
            userid: optionalString(json.userid) ?? userid,
            name: optionalString(json.name),
            department: Array.isArray(json.department)
              ? json.department.filter((d): d is number => typeof d === "number")
              : [],
            status: typeof json.status === "number" ? json.status : undefined,
          },
        };
      } catch (error) {
        if (error instanceof WecomApiError && error.errcode !== null) {
          if (MEMBER_NOT_FOUND_ERRCODES.has(error.errcode))
            return { kind: "not_found", errcode: error.errcode };
          if (MEMBER_OUT_OF_RANGE_ERRCODES.has(error.errcode))
            return { kind: "out_of_range", errcode: error.errcode };
        }
        throw error;
      }
    },
  };
}

function checkMessage(api: string, message: AppMessageContent): void {
  if (message.msgtype === "text") checkBytes(api, message.text.content, WECOM_LIMITS.textBytes);
  if (message.msgtype === "markdown") checkBytes(api, message.markdown.content, WECOM_LIMITS.markdownBytes);
}

function checkWebhookMessage(api: string, message: WebhookMessage): void {
  if (message.msgtype === "text") checkBytes(api, message.text.content, WECOM_LIMITS.webhookTextBytes);
  if (message.msgtype === "markdown") {
    checkBytes(api, message.markdown.content, WECOM_LIMITS.webhookMarkdownBytes);
  }
}

/** WeCom truncates silently; refusing here surfaces the bug (split with splitUtf8 first). */
function checkBytes(api: string, content: string, maxBytes: number): void {
  if (content === "") throw invalidRequest(api, "content is empty");
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes > maxBytes) throw invalidRequest(api, `content is ${bytes} bytes, limit ${maxBytes}`);
}

function invalidRequest(api: string, errmsg: string): WecomApiError {
  return new WecomApiError({ code: "invalid_request", api, errmsg, retryable: false });
}

function optionalString(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function splitIds(value: unknown): string[] {
  return typeof value === "string" && value !== "" ? value.split("|") : [];
}

function describe(error: unknown): string {
  // Duck-typed for errors from another realm; undici puts the socket error in `cause`.
  const message = (value: unknown) =>
    typeof value === "object" && value !== null && "message" in value ? String(value.message) : undefined;
  const cause =
    typeof error === "object" && error !== null && "cause" in error ? message(error.cause) : undefined;
  return `${message(error) ?? String(error)}${cause === undefined ? "" : `: ${cause}`}`;
}
