/**
 * Turns a WeCom self-built-app callback request into either a URL-verification answer or a typed
 * {@link WecomEvent} (wecom.md §1.4, §1.5, §3). Pure: no I/O, no clock unless a skew is configured.
 */
import { assertValidSignature, decryptMessage } from "./crypto";
import { WecomCallbackError } from "./errors";
import { parseWecomEvent, type WecomEvent } from "./events";
import { WECOM_LIMITS } from "./limits";
import { storableText } from "./storable-text";
import { parseXmlRoot } from "./xml";

/** The official plugin's limit; the HTTP layer should also pass it to raw-body (wecom.md §1.8). */
export const MAX_CALLBACK_BODY_BYTES = WECOM_LIMITS.callbackBodyBytes;

/** Callback settings of one self-built app. */
export interface CallbackConfig {
  /** The callback Token (≤ 32 chars). */
  token: string;
  /** The 43-character EncodingAESKey. */
  encodingAesKey: string;
  /** Expected receive id inside the ciphertext: the CorpID for a self-built app. */
  receiveId: string;
  /**
   * Reject callbacks whose timestamp differs from `now` by more than this many seconds. Off by
   * default: WeCom documents no window (wecom.md §1.8); enable only with an NTP-synced clock.
   */
  maxClockSkewSeconds?: number;
}

/** Query parameters as Koa's `ctx.query` gives them (already URL-decoded exactly once). */
export type CallbackQuery = Readonly<Record<string, string | string[] | undefined>>;

export interface ParseCallbackInput {
  /** "GET" (URL verification) or "POST" (message). When omitted, the presence of echostr decides. */
  method?: string;
  query: CallbackQuery | URLSearchParams;
  /** The raw POST body (never a parsed one: the signature covers the Encrypt element verbatim). */
  rawBody?: Buffer | string;
  config: CallbackConfig;
  /** Only used when `config.maxClockSkewSeconds` is set. */
  now?: Date;
}

/** GET: answer 200 with exactly `echo` as the body (no quotes, BOM or newline), within 1 s. */
export interface UrlVerification {
  kind: "url_verification";
  echo: string;
}

/** POST: a verified, decrypted and validated message or event. */
export interface InboundCallback {
  kind: "event";
  event: WecomEvent;
  /**
   * The decrypted XML, to store as the raw inbound record, with the characters PostgreSQL cannot
   * store replaced by U+FFFD (see storableText); `event` was parsed from exactly this text.
   */
  plaintext: string;
  /**
   * Only when `plaintext` had characters replaced: the decrypted XML as sent (its UTF-8 bytes,
   * base64), so the record keeps what WeCom delivered.
   */
  originalBase64: string | undefined;
  /** The request's timestamp and nonce (may be reused for an encrypted passive reply). */
  timestamp: string;
  nonce: string;
}

export type ParsedCallback = UrlVerification | InboundCallback;

/**
 * Verifies, decrypts and parses one callback request.
 *
 * @throws WecomCallbackError missing_parameter | body_too_large | malformed_xml | invalid_message |
 *   stale_timestamp | bad_request
 * @throws WecomCryptoError signature_mismatch | malformed | bad_padding | receive_id_mismatch | bad_key
 */
export function parseCallback(input: ParseCallbackInput): ParsedCallback {
  const { config } = input;
  const method = input.method?.toUpperCase();
  const echostr = readParam(input.query, "echostr", false);
  const isVerification =
    method === undefined ? echostr !== undefined && isEmpty(input.rawBody) : method === "GET";
  if (method !== undefined && method !== "GET" && method !== "POST") {
    throw new WecomCallbackError("bad_request", `method ${method} is not allowed`);
  }

  const signature = requireParam(input.query, "msg_signature");
  const timestamp = requireParam(input.query, "timestamp");
  const nonce = requireParam(input.query, "nonce");
  checkClock(config, timestamp, input.now);

  if (isVerification) {
    if (echostr === undefined || echostr === "") {
      throw new WecomCallbackError("missing_parameter", "query parameter echostr is missing");
    }
    assertValidSignature(config.token, timestamp, nonce, echostr, signature);
    const { message } = decryptMessage(config.encodingAesKey, echostr, config.receiveId);
    return { kind: "url_verification", echo: message };
  }

  if (echostr !== undefined) {
    throw new WecomCallbackError("bad_request", "a message POST must not carry echostr");
  }
  const body = readBody(input.rawBody);
  const outer = parseXmlRoot(body);
  const encrypted = outer.Encrypt;
  if (typeof encrypted !== "string" || encrypted === "") {
    throw new WecomCallbackError("malformed_xml", "callback body has no <Encrypt> element");
  }
  // Only Encrypt is signed; ToUserName / AgentID outside the ciphertext are not trusted (§1.5).
  assertValidSignature(config.token, timestamp, nonce, encrypted, signature);
  const { message } = decryptMessage(config.encodingAesKey, encrypted, config.receiveId);
  // The one place inbound text is made storable: everything downstream (the inbound record, the
  // event, the bot, replies, the outbox) sees the clean text. The XML decoder never produces
  // these characters from references (see parseXmlRoot), so parsing cannot bring them back.
  const plaintext = storableText(message);
  const event = parseWecomEvent(parseXmlRoot(plaintext));
  const originalBase64 = plaintext === message ? undefined : Buffer.from(message, "utf8").toString("base64");
  return { kind: "event", event, plaintext, originalBase64, timestamp, nonce };
}

function readBody(rawBody: Buffer | string | undefined): string {
  if (rawBody === undefined) {
    throw new WecomCallbackError("malformed_xml", "callback body is empty");
  }
  const size = typeof rawBody === "string" ? Buffer.byteLength(rawBody, "utf8") : rawBody.length;
  if (size > MAX_CALLBACK_BODY_BYTES) {
    throw new WecomCallbackError("body_too_large", `callback body of ${size} bytes exceeds 1 MiB`);
  }
  const text = typeof rawBody === "string" ? rawBody : rawBody.toString("utf8");
  if (text.trim() === "") {
    throw new WecomCallbackError("malformed_xml", "callback body is empty");
  }
  return text;
}

function isEmpty(rawBody: Buffer | string | undefined): boolean {
  return rawBody === undefined || rawBody.length === 0;
}

function readParam(
  query: CallbackQuery | URLSearchParams,
  name: string,
  required: boolean,
): string | undefined {
  let values: string[];
  if (query instanceof URLSearchParams) {
    values = query.getAll(name);
  } else {
    const value = Object.hasOwn(query, name) ? query[name] : undefined;
    values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  }
  if (values.length > 1) {
    throw new WecomCallbackError("missing_parameter", `query parameter ${name} is repeated`);
  }
  const value = values[0];
  if (required && (value === undefined || value === "")) {
    throw new WecomCallbackError("missing_parameter", `query parameter ${name} is missing`);
  }
  return value;
}

function requireParam(query: CallbackQuery | URLSearchParams, name: string): string {
  return readParam(query, name, true) ?? "";
}

function checkClock(config: CallbackConfig, timestamp: string, now: Date | undefined): void {
  const maxSkew = config.maxClockSkewSeconds;
  if (maxSkew === undefined) return;
  if (now === undefined) {
    throw new TypeError("parseCallback: `now` is required when maxClockSkewSeconds is set");
  }
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(seconds) || Math.abs(now.getTime() / 1000 - seconds) > maxSkew) {
    throw new WecomCallbackError("stale_timestamp", "callback timestamp is outside the allowed clock skew");
  }
}
