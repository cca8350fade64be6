/**
 * Builds encrypted, signed WeCom callback requests — what WeCom would POST to `/wecom/callback` —
 * with the same crypto as production. Used by tests and by the sandbox to drive the real
 * callback → bot path.
 */
import { randomBytes, randomInt } from "node:crypto";
import { computeSignature, encryptMessage } from "../crypto";
import type { SelectedItem } from "../events";
import { renderXml, type XmlInput } from "../xml";

export interface CallbackSenderOptions {
  corpId: string;
  agentId: number;
  token: string;
  encodingAesKey: string;
  now: () => Date;
  /** 16 random bytes per message; inject for deterministic output. */
  random?: () => Buffer;
  /** Nonce per request; inject for deterministic output. */
  nonce?: () => string;
}

/** A ready-to-send callback: POST `body` (text/xml) to `<callback path>?<queryString>`. */
export interface CallbackRequest {
  /** msg_signature, timestamp, nonce (plus echostr for URL verification). */
  query: Record<string, string>;
  /** The same parameters, URL-encoded. */
  queryString: string;
  /** The XML envelope `<xml><ToUserName/><Encrypt/><AgentID/></xml>`; "" for URL verification. */
  body: string;
  /** What was encrypted (the inner XML, or the echostr plaintext). */
  plaintext: string;
}

interface MessageBase {
  fromUserId: string;
  /** Defaults to now. */
  createTime?: number;
}

export interface CallbackSender {
  /** GET-style URL verification; the handler must answer with exactly `plaintext`. */
  urlVerification(echo?: string): CallbackRequest;
  /** Encrypts arbitrary inner XML (for malformed or unusual payloads in tests). */
  encrypt(plaintextXml: string): CallbackRequest;
  text(input: MessageBase & { content: string; msgId?: string }): CallbackRequest;
  image(input: MessageBase & { mediaId: string; picUrl?: string; msgId?: string }): CallbackRequest;
  location(
    input: MessageBase & {
      latitude: number;
      longitude: number;
      label?: string;
      scale?: number;
      msgId?: string;
    },
  ): CallbackRequest;
  /** enter_agent, click, subscribe, unsubscribe, … */
  event(input: MessageBase & { event: string; eventKey?: string }): CallbackRequest;
  /** A template card button / submit click. */
  templateCardEvent(
    input: MessageBase & {
      taskId: string;
      eventKey: string;
      cardType: string;
      responseCode?: string;
      selectedItems?: SelectedItem[];
    },
  ): CallbackRequest;
}

/** Creates a sender for one app's callback settings. */
export function createCallbackSender(options: CallbackSenderOptions): CallbackSender {
  const random = options.random ?? (() => randomBytes(16));
  const makeNonce = options.nonce ?? (() => String(randomInt(100_000_000, 2_000_000_000)));
  let sequence = 0;

  const seconds = () => Math.floor(options.now().getTime() / 1000);
  // Time-based so ids stay unique across sandbox restarts (a persisted dedupe table would
  // otherwise swallow a reused MsgId); < 2^63 like WeCom's 64-bit MsgIds.
  const nextMsgId = () => {
    sequence = (sequence + 1) % 1000;
    return (BigInt(options.now().getTime()) * 1000n + BigInt(sequence)).toString();
  };

  function sign(encrypted: string, extra: Record<string, string> = {}) {
    const timestamp = String(seconds());
    const nonce = makeNonce();
    const signature = computeSignature(options.token, timestamp, nonce, encrypted);
    const query = { msg_signature: signature, timestamp, nonce, ...extra };
    return { query, queryString: new URLSearchParams(query).toString() };
  }

  function encrypt(plaintextXml: string): CallbackRequest {
    const encrypted = encryptMessage(options.encodingAesKey, plaintextXml, options.corpId, random());
    const body = renderXml({
      ToUserName: options.corpId,
      Encrypt: encrypted,
      AgentID: String(options.agentId),
    });
    return { ...sign(encrypted), body, plaintext: plaintextXml };
  }

  function envelope(input: MessageBase, msgType: string, fields: XmlInput): CallbackRequest {
    return encrypt(
      renderXml({
        ToUserName: options.corpId,
        FromUserName: input.fromUserId,
        CreateTime: input.createTime ?? seconds(),
        MsgType: msgType,
        ...fields,
        AgentID: options.agentId,
      }),
    );
  }

  return {
    urlVerification(echo = String(randomInt(1_000_000_000, 2_000_000_000))) {
      const encrypted = encryptMessage(options.encodingAesKey, echo, options.corpId, random());
      return { ...sign(encrypted, { echostr: encrypted }), body: "", plaintext: echo };
    },
    encrypt,
    text: (input) => envelope(input, "text", { Content: input.content, MsgId: input.msgId ?? nextMsgId() }),
    image: (input) =>
      envelope(input, "image", {
        PicUrl: input.picUrl ?? "",
        MediaId: input.mediaId,
        MsgId: input.msgId ?? nextMsgId(),
      }),
    location: (input) =>
      envelope(input, "location", {
        Location_X: input.latitude,
        Location_Y: input.longitude,
        Scale: input.scale ?? 15,
        Label: input.label ?? "",
        MsgId: input.msgId ?? nextMsgId(),
      }),
    event: (input) =>
      envelope(input, "event", {
        Event: input.event,
        ...(input.eventKey === undefined ? {} : { EventKey: input.eventKey }),
      }),
    templateCardEvent: (input) =>
      envelope(input, "event", {
        Event: "template_card_event",
        EventKey: input.eventKey,
        TaskId: input.taskId,
        CardType: input.cardType,
        ...(input.responseCode === undefined ? {} : { ResponseCode: input.responseCode }),
        ...(input.selectedItems === undefined || input.selectedItems.length === 0
          ? {}
          : {
              SelectedItems: {
                SelectedItem: input.selectedItems.map((item) => ({
                  QuestionKey: item.questionKey,
                  OptionIds: { OptionId: item.optionIds },
                })),
              },
            }),
      }),
  };
}
