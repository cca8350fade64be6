import Router from "@koa/router";
import type { Context } from "koa";
import getRawBody from "raw-body";
import type { InboundEnvelope } from "../../channels/inbound-envelope";
import type { Logger } from "../../logger";
import { discardBody } from "../discard-body";
import { createInboundRecorder, type InboundRecorder } from "../../store/inbound-recorder";
import type { InboundRepository } from "../../store/inbound-repository";
import { type CallbackConfig, MAX_CALLBACK_BODY_BYTES, parseCallback } from "../../wecom/callback";
import { WecomCallbackError, WecomCryptoError } from "../../wecom/errors";

export interface WecomCallbackDeps {
  channel: string;
  config: CallbackConfig;
  /** Where messages are stored; concurrent callbacks share an INSERT (group commit). */
  inbound: Pick<InboundRepository, "recordMany">;
  /** The group commit over `inbound`, when the caller needs to see it (default: a new one). */
  recorder?: InboundRecorder;
  now: () => Date;
  logger: Logger;
  /** Called after the 200 is on its way; never awaited by the request. */
  onInbound: (envelope: InboundEnvelope) => void;
}

/**
 * How much of an oversized body is read (and discarded, never kept) so that its 413 arrives:
 * 8 MiB beyond what was read, eight times WeCom's 1 MiB limit. A longer body gets its 413 with
 * `Connection: close`, and the client may see a reset instead. A client sending slowly is cut off
 * by Node's requestTimeout (300 s for the whole request by default).
 */
export const MAX_DISCARDED_BYTES = 8 * MAX_CALLBACK_BODY_BYTES;

const MESSAGES: Record<string, string> = {
  signature_mismatch: "签名校验失败",
  missing_parameter: "缺少必要参数",
  body_too_large: "消息体过大",
  malformed_xml: "消息格式错误",
  invalid_message: "消息内容无效",
  stale_timestamp: "消息时间戳过期",
  bad_padding: "消息解密失败",
  receive_id_mismatch: "消息不属于本应用",
  malformed: "消息解密失败",
  bad_key: "消息解密失败",
  bad_request: "请求有误",
};

function reject(ctx: Context, status: number, code: string) {
  ctx.status = status;
  ctx.body = { error: code, message: MESSAGES[code] ?? "请求有误" };
}

/**
 * GET|POST /wecom/callback for the self-built app (wecom.md §1): verifies, decrypts, validates,
 * stores the inbound record, answers 200 at once and hands the message on afterwards. A
 * redelivery (same MsgId or event key) is answered 200 and goes no further.
 */
export function wecomCallbackRoutes(deps: WecomCallbackDeps): Router {
  const router = new Router();
  const recorder = deps.recorder ?? createInboundRecorder(deps.inbound);

  router.get("/wecom/callback", (ctx) => {
    try {
      const parsed = parseCallback({ method: "GET", query: ctx.query, config: deps.config });
      if (parsed.kind !== "url_verification") return reject(ctx, 400, "bad_request");
      ctx.type = "text/plain";
      ctx.body = parsed.echo;
    } catch (err) {
      handleError(ctx, err, deps.logger);
    }
  });

  router.post("/wecom/callback", async (ctx) => {
    let raw: Buffer;
    try {
      raw = await getRawBody(ctx.req, {
        limit: MAX_CALLBACK_BODY_BYTES,
        length: ctx.get("content-length") || undefined,
      });
    } catch (err) {
      if ((err as { status?: number }).status !== 413) {
        // Aborted, or shorter or longer than its Content-Length: the connection is not reusable.
        ctx.set("Connection", "close");
        return reject(ctx, 400, "bad_request");
      }
      // raw-body stopped at the limit (or never started: Content-Length said too much). The rest
      // is read and thrown away before answering, so the 413 reaches a client still sending;
      // past MAX_DISCARDED_BYTES the connection is closed instead (see discardBody).
      if (!(await discardBody(ctx.req, MAX_DISCARDED_BYTES))) ctx.set("Connection", "close");
      return reject(ctx, 413, "body_too_large");
    }
    let parsed: ReturnType<typeof parseCallback>;
    try {
      parsed = parseCallback({
        method: "POST",
        query: ctx.query,
        rawBody: raw,
        config: deps.config,
        now: deps.now(),
      });
    } catch (err) {
      return handleError(ctx, err, deps.logger);
    }
    if (parsed.kind !== "event") return reject(ctx, 400, "bad_request");
    const { event } = parsed;
    if (parsed.originalBase64 !== undefined) {
      deps.logger.warn(
        { dedupeKey: event.dedupeKey },
        "callback text had characters the database cannot store; replaced with U+FFFD",
      );
    }
    const receivedAt = deps.now();
    // Acknowledged only once the row is committed: nothing answered 200 can be lost.
    const stored = await recorder.record({
      channel: deps.channel,
      externalId: event.dedupeKey,
      fromUser: event.fromUserId,
      msgType: event.type,
      // The original is kept only when it differs (see InboundCallback.originalBase64).
      payload:
        parsed.originalBase64 === undefined
          ? { xml: parsed.plaintext }
          : { xml: parsed.plaintext, originalBase64: parsed.originalBase64 },
      receivedAt,
    });
    ctx.status = 200;
    ctx.type = "text/plain";
    ctx.body = "";
    if (stored.duplicate) return;
    const envelope: InboundEnvelope = { channel: deps.channel, inboundId: stored.id, event, receivedAt };
    setImmediate(() => deps.onInbound(envelope));
  });

  return router;
}

function handleError(ctx: Context, err: unknown, logger: Logger) {
  if (err instanceof WecomCryptoError) {
    logger.warn({ code: err.code, ip: ctx.ip }, "rejected callback");
    return reject(ctx, err.code === "signature_mismatch" ? 401 : 400, err.code);
  }
  if (err instanceof WecomCallbackError) {
    logger.warn({ code: err.code, ip: ctx.ip }, "rejected callback");
    return reject(ctx, err.code === "body_too_large" ? 413 : 400, err.code);
  }
  throw err;
}
