/**
 * Typed errors of the WeCom layer. Every error carries a stable `code` so callers (the Koa error
 * middleware, the bot boundary, the outbox worker) can branch on it without parsing messages.
 */

/** Codes of {@link WecomCryptoError}. */
export type WecomCryptoErrorCode =
  /** EncodingAESKey is not 43 characters of [A-Za-z0-9]. */
  | "bad_key"
  /** Ciphertext is not valid base64 / wrong length / plaintext layout is inconsistent. */
  | "malformed"
  /** PKCS#7 padding (block 32) is invalid: pad value outside 1..32 or pad bytes differ. */
  | "bad_padding"
  /** The receive id after the message is not the expected CorpID (or bot id / ""). */
  | "receive_id_mismatch"
  /** msg_signature does not match sha1(sort(token, timestamp, nonce, encrypt)). */
  | "signature_mismatch";

/** Failure while verifying, decrypting or encrypting a WeCom callback payload. */
export class WecomCryptoError extends Error {
  override readonly name = "WecomCryptoError";
  constructor(
    readonly code: WecomCryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Codes of {@link WecomCallbackError}. */
export type WecomCallbackErrorCode =
  /** A required query parameter (msg_signature, timestamp, nonce, echostr) is missing or repeated. */
  | "missing_parameter"
  /** The request body exceeds the callback body limit (1 MiB). */
  | "body_too_large"
  /** The outer or decrypted XML is not well-formed, contains a DTD, or lacks required elements. */
  | "malformed_xml"
  /** The decrypted message has a known type but fails its schema (e.g. a text without MsgId). */
  | "invalid_message"
  /** The callback timestamp is outside the allowed clock skew (only when a skew is configured). */
  | "stale_timestamp"
  /** GET without echostr, POST with echostr, or another method. */
  | "bad_request";

/** The callback request is not a well-formed WeCom callback (crypto failures are WecomCryptoError). */
export class WecomCallbackError extends Error {
  override readonly name = "WecomCallbackError";
  constructor(
    readonly code: WecomCallbackErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Codes of {@link WecomApiError}. */
export type WecomApiErrorCode =
  /** WeCom answered with a non-zero errcode (see `errcode`). */
  | "api_error"
  /** gettoken rejected the secret / corp id (40001, 40013, 41004…): configuration error, never retried. */
  | "bad_credentials"
  /** HTTP status other than 200 (see `httpStatus`). */
  | "http_error"
  /** The response was not the expected JSON. */
  | "invalid_response"
  /** Connection refused / reset / DNS failure. */
  | "network_error"
  /** No response within the client's timeout. */
  | "timeout"
  /** The request was rejected locally before sending (e.g. text content over WeCom's byte limit). */
  | "invalid_request";

/** errcodes for which an immediate retry later may succeed (system busy, frequency / concurrency limits). */
export const RETRYABLE_ERRCODES: ReadonlySet<number> = new Set([-1, 45009, 45033]);

/** A failed WeCom API call. `retryable` tells the outbox whether to try again later. */
export class WecomApiError extends Error {
  override readonly name = "WecomApiError";
  readonly code: WecomApiErrorCode;
  /** WeCom's errcode, or null when there was no WeCom JSON answer (network, timeout, HTTP error). */
  readonly errcode: number | null;
  readonly errmsg: string;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  /** The API path, e.g. "/cgi-bin/message/send" (never includes the access token or webhook key). */
  readonly api: string;

  constructor(init: {
    code: WecomApiErrorCode;
    api: string;
    errcode?: number | null;
    errmsg: string;
    retryable: boolean;
    httpStatus?: number;
    cause?: unknown;
  }) {
    super(
      `${init.api}: ${init.code}${init.errcode == null ? "" : ` errcode=${init.errcode}`} ${init.errmsg}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.code = init.code;
    this.api = init.api;
    this.errcode = init.errcode ?? null;
    this.errmsg = init.errmsg;
    this.retryable = init.retryable;
    this.httpStatus = init.httpStatus;
  }
}
