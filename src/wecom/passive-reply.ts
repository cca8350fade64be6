/**
 * Encrypted passive replies to a self-built-app callback (wecom.md §1.6, §3.5). Most replies go
 * out through message/send; a passive reply is only needed to update a clicked card's button for
 * the clicking member, or to answer within the 5-second callback window.
 */
import { randomBytes } from "node:crypto";
import type { CallbackConfig } from "./callback";
import { computeSignature, encryptMessage } from "./crypto";
import { renderXml } from "./xml";

export interface EncryptReplyInput {
  config: CallbackConfig;
  /** The reply XML (see {@link renderTextReply}, {@link renderUpdateButtonReply}). */
  plaintext: string;
  /** Reuse the request's timestamp and nonce, or pass fresh ones. */
  timestamp: string;
  nonce: string;
  /** 16 bytes, injectable for byte-exact tests. */
  random?: Buffer;
}

/**
 * Encrypts and signs a reply, returning the XML body to send with 200
 * (`<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`).
 */
export function renderEncryptedReply(input: EncryptReplyInput): string {
  const encrypted = encryptMessage(
    input.config.encodingAesKey,
    input.plaintext,
    input.config.receiveId,
    input.random ?? randomBytes(16),
  );
  const signature = computeSignature(input.config.token, input.timestamp, input.nonce, encrypted);
  return (
    `<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt>` +
    `<MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
    `<TimeStamp>${input.timestamp}</TimeStamp>` +
    `<Nonce><![CDATA[${input.nonce}]]></Nonce></xml>`
  );
}

/** Reply direction is reversed: ToUserName = member, FromUserName = CorpID (wecom.md §1.6). */
export interface ReplyAddress {
  toUserId: string;
  corpId: string;
  /** Unix seconds. */
  createTime: number;
}

/** Plaintext of a passive text reply. Content beyond 2048 bytes is truncated by WeCom. */
export function renderTextReply(address: ReplyAddress, content: string): string {
  return renderXml({
    ToUserName: address.toUserId,
    FromUserName: address.corpId,
    CreateTime: address.createTime,
    MsgType: "text",
    Content: content,
  });
}

/**
 * Plaintext of an `update_button` reply to a template_card_event: the clicking member's button
 * becomes a disabled button showing `replaceName` (e.g. "已登记").
 */
export function renderUpdateButtonReply(address: ReplyAddress, replaceName: string): string {
  return renderXml({
    ToUserName: address.toUserId,
    FromUserName: address.corpId,
    CreateTime: address.createTime,
    MsgType: "update_button",
    Button: { ReplaceName: replaceName },
  });
}
