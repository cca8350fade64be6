/**
 * Inbound WeCom self-built-app messages and events (wecom.md §3), validated once at the edge into
 * the discriminated union {@link WecomEvent}. Unknown message or event types become the
 * `unsupported` variant instead of throwing; a known type that fails its schema is an error.
 */
import { z } from "zod";
import { WecomCallbackError } from "./errors";
import type { XmlElement } from "./xml";

/** Fields every variant carries. */
export interface WecomEventBase {
  /** ToUserName: the CorpID. */
  corpId: string;
  /** FromUserName: the member's UserID. */
  fromUserId: string;
  /** CreateTime in unix seconds. */
  createTime: number;
  /** AgentID, when present. */
  agentId: number | undefined;
  /**
   * Key for redelivery dedupe (WeCom re-sends on timeout, up to 3 times; wecom.md §3.6):
   * `msg:<MsgId>` for messages; `event:<FromUserName>:<CreateTime>:<Event>:<TaskId>:<EventKey>` for
   * events, which have no MsgId.
   */
  dedupeKey: string;
}

export interface TextMessage extends WecomEventBase {
  type: "text";
  /** MsgId as a string: it is a 64-bit integer above 2^53. */
  msgId: string;
  content: string;
}

export interface ImageMessage extends WecomEventBase {
  type: "image";
  msgId: string;
  picUrl: string;
  /** Valid 3 days, fetch with cgi-bin/media/get. */
  mediaId: string;
}

export interface VoiceMessage extends WecomEventBase {
  type: "voice";
  msgId: string;
  mediaId: string;
  /** e.g. "amr" or "speex". */
  format: string;
}

export interface VideoMessage extends WecomEventBase {
  type: "video";
  msgId: string;
  mediaId: string;
  thumbMediaId: string;
}

export interface LocationMessage extends WecomEventBase {
  type: "location";
  msgId: string;
  /** Location_X. */
  latitude: number;
  /** Location_Y. */
  longitude: number;
  /** Map zoom level, when present. */
  scale: number | undefined;
  /** Address text. */
  label: string;
}

export interface LinkMessage extends WecomEventBase {
  type: "link";
  msgId: string;
  title: string;
  description: string;
  url: string;
  picUrl: string;
}

/** A member opened the app (进入应用). */
export interface EnterAgentEvent extends WecomEventBase {
  type: "enter_agent";
  eventKey: string;
}

/** An app menu button was clicked (点击菜单拉取消息). */
export interface ClickEvent extends WecomEventBase {
  type: "click";
  eventKey: string;
}

/** The member was added to the app's visibility. */
export interface SubscribeEvent extends WecomEventBase {
  type: "subscribe";
}

/** The member was removed from the app's visibility. */
export interface UnsubscribeEvent extends WecomEventBase {
  type: "unsubscribe";
}

/** One answered question of a vote / multiple / button-selection card. */
export interface SelectedItem {
  questionKey: string;
  optionIds: string[];
}

/** A template card button / submit was clicked (wecom.md §3.4). */
export interface TemplateCardEvent extends WecomEventBase {
  type: "template_card_event";
  /** The clicked button_list[].key or submit_button.key. */
  eventKey: string;
  /** The task_id the card was sent with. */
  taskId: string;
  /** text_notice | news_notice | button_interaction | vote_interaction | multiple_interaction. */
  cardType: string;
  /** One-shot code for message/update_template_card (treat as valid 24 h), when present. */
  responseCode: string | undefined;
  /** Always an array, empty when the card has no selections. */
  selectedItems: SelectedItem[];
}

/** Anything else (video is typed; file, view, LOCATION, scancode_*, …): kept, not thrown. */
export interface UnsupportedEvent extends WecomEventBase {
  type: "unsupported";
  /** MsgType as sent. */
  msgType: string;
  /** Event as sent, for MsgType=event. */
  event: string | undefined;
  msgId: string | undefined;
  /** All decrypted fields, for logging and future handling. */
  fields: XmlElement;
}

/** Every inbound callback the self-built app can receive, discriminated by `type`. */
export type WecomEvent =
  | TextMessage
  | ImageMessage
  | VoiceMessage
  | VideoMessage
  | LocationMessage
  | LinkMessage
  | EnterAgentEvent
  | ClickEvent
  | SubscribeEvent
  | UnsubscribeEvent
  | TemplateCardEvent
  | UnsupportedEvent;

export type WecomEventType = WecomEvent["type"];

const digits = z.string().trim().regex(/^\d+$/, "expected an unsigned integer");
const unixSeconds = digits.transform(Number).pipe(z.number().int().safe());
const msgIdSchema = digits;
const coordinate = z
  .string()
  .trim()
  .regex(/^-?\d+(?:\.\d+)?$/, "expected a decimal number")
  .transform(Number);
const optionalText = z.string().optional().default("");

const baseShape = {
  ToUserName: z.string(),
  FromUserName: z.string().min(1),
  CreateTime: unixSeconds,
  AgentID: unixSeconds.optional(),
};
const baseSchema = z.object(baseShape);
type BaseFields = z.output<typeof baseSchema>;

/** `X` or `[X]` or absent / empty element → `X[]` (XML parsers return one child as an object). */
function asArray<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => (value === undefined || value === "" ? [] : Array.isArray(value) ? value : [value]),
    z.array(item),
  );
}

const selectedItemSchema = z
  .object({
    QuestionKey: z.string(),
    OptionIds: z
      .union([z.literal(""), z.object({ OptionId: asArray(z.string()) })])
      .optional()
      .transform((value) => (value === undefined || value === "" ? [] : value.OptionId)),
  })
  .transform((item): SelectedItem => ({ questionKey: item.QuestionKey, optionIds: item.OptionIds }));

const selectedItemsSchema = z
  .union([z.literal(""), z.object({ SelectedItem: asArray(selectedItemSchema) })])
  .optional()
  .transform((value) => (value === undefined || value === "" ? [] : value.SelectedItem));

function common(fields: BaseFields, dedupeKey: string): WecomEventBase {
  return {
    corpId: fields.ToUserName,
    fromUserId: fields.FromUserName,
    createTime: fields.CreateTime,
    agentId: fields.AgentID,
    dedupeKey,
  };
}

function eventDedupeKey(fields: BaseFields, event: string, ...keys: string[]): string {
  return ["event", fields.FromUserName, String(fields.CreateTime), event, ...keys].join(":");
}

const messageSchemas = {
  text: z.object({ ...baseShape, MsgId: msgIdSchema, Content: z.string() }).transform(
    (f): TextMessage => ({
      type: "text",
      ...common(f, `msg:${f.MsgId}`),
      msgId: f.MsgId,
      content: f.Content,
    }),
  ),
  image: z.object({ ...baseShape, MsgId: msgIdSchema, PicUrl: optionalText, MediaId: z.string() }).transform(
    (f): ImageMessage => ({
      type: "image",
      ...common(f, `msg:${f.MsgId}`),
      msgId: f.MsgId,
      picUrl: f.PicUrl,
      mediaId: f.MediaId,
    }),
  ),
  voice: z.object({ ...baseShape, MsgId: msgIdSchema, MediaId: z.string(), Format: optionalText }).transform(
    (f): VoiceMessage => ({
      type: "voice",
      ...common(f, `msg:${f.MsgId}`),
      msgId: f.MsgId,
      mediaId: f.MediaId,
      format: f.Format,
    }),
  ),
  video: z
    .object({ ...baseShape, MsgId: msgIdSchema, MediaId: z.string(), ThumbMediaId: optionalText })
    .transform(
      (f): VideoMessage => ({
        type: "video",
        ...common(f, `msg:${f.MsgId}`),
        msgId: f.MsgId,
        mediaId: f.MediaId,
        thumbMediaId: f.ThumbMediaId,
      }),
    ),
  location: z
    .object({
      ...baseShape,
      MsgId: msgIdSchema,
      Location_X: coordinate,
      Location_Y: coordinate,
      Scale: coordinate.optional(),
      Label: optionalText,
    })
    .transform(
      (f): LocationMessage => ({
        type: "location",
        ...common(f, `msg:${f.MsgId}`),
        msgId: f.MsgId,
        latitude: f.Location_X,
        longitude: f.Location_Y,
        scale: f.Scale,
        label: f.Label,
      }),
    ),
  link: z
    .object({
      ...baseShape,
      MsgId: msgIdSchema,
      Title: optionalText,
      Description: optionalText,
      Url: z.string(),
      PicUrl: optionalText,
    })
    .transform(
      (f): LinkMessage => ({
        type: "link",
        ...common(f, `msg:${f.MsgId}`),
        msgId: f.MsgId,
        title: f.Title,
        description: f.Description,
        url: f.Url,
        picUrl: f.PicUrl,
      }),
    ),
} as const;

// Event names compared in lower case: WeCom sends `click`, WeChat OA `CLICK` (wecom.md §3.3).
const eventSchemas = {
  enter_agent: z.object({ ...baseShape, EventKey: optionalText }).transform(
    (f): EnterAgentEvent => ({
      type: "enter_agent",
      ...common(f, eventDedupeKey(f, "enter_agent", f.EventKey)),
      eventKey: f.EventKey,
    }),
  ),
  click: z.object({ ...baseShape, EventKey: z.string() }).transform(
    (f): ClickEvent => ({
      type: "click",
      ...common(f, eventDedupeKey(f, "click", f.EventKey)),
      eventKey: f.EventKey,
    }),
  ),
  subscribe: baseSchema.transform(
    (f): SubscribeEvent => ({ type: "subscribe", ...common(f, eventDedupeKey(f, "subscribe")) }),
  ),
  unsubscribe: baseSchema.transform(
    (f): UnsubscribeEvent => ({ type: "unsubscribe", ...common(f, eventDedupeKey(f, "unsubscribe")) }),
  ),
  template_card_event: z
    .object({
      ...baseShape,
      EventKey: z.string(),
      TaskId: z.string().min(1),
      CardType: z.string(),
      ResponseCode: z.string().optional(),
      SelectedItems: selectedItemsSchema,
    })
    .transform(
      (f): TemplateCardEvent => ({
        type: "template_card_event",
        // Two clicks on one card within a second differ in their one-shot ResponseCode (and often
        // their selection); a redelivery repeats both, so both belong in the key.
        ...common(
          f,
          eventDedupeKey(
            f,
            "template_card_event",
            f.TaskId,
            f.EventKey,
            f.ResponseCode ?? "",
            f.SelectedItems.map((i) => `${i.questionKey}=${i.optionIds.join(",")}`).join(";"),
          ),
        ),
        eventKey: f.EventKey,
        taskId: f.TaskId,
        cardType: f.CardType,
        responseCode: f.ResponseCode === "" ? undefined : f.ResponseCode,
        selectedItems: f.SelectedItems,
      }),
    ),
} as const;

const unsupportedSchema = z.object({ ...baseShape, MsgId: msgIdSchema.optional() });

function lookup<T extends object>(table: T, key: string): T[keyof T] | undefined {
  return Object.hasOwn(table, key) ? table[key as keyof T] : undefined;
}

/**
 * Validates the decrypted `<xml>` fields of a callback into a {@link WecomEvent}.
 *
 * @throws WecomCallbackError("invalid_message") when a known type (or the common envelope) fails
 *   validation; the zod issues are in `details`.
 */
export function parseWecomEvent(fields: XmlElement): WecomEvent {
  const msgType = typeof fields.MsgType === "string" ? fields.MsgType.trim() : "";
  const event = typeof fields.Event === "string" ? fields.Event.trim() : undefined;
  if (msgType === "") {
    throw new WecomCallbackError("invalid_message", "message has no MsgType");
  }

  const schema =
    msgType.toLowerCase() === "event"
      ? lookup(eventSchemas, (event ?? "").toLowerCase())
      : lookup(messageSchemas, msgType.toLowerCase());
  if (schema !== undefined) {
    const result = schema.safeParse(fields);
    if (!result.success) {
      throw new WecomCallbackError(
        "invalid_message",
        `invalid ${msgType}${event ? `/${event}` : ""} message`,
        result.error.issues,
      );
    }
    return result.data;
  }

  const result = unsupportedSchema.safeParse(fields);
  if (!result.success) {
    throw new WecomCallbackError("invalid_message", "invalid message envelope", result.error.issues);
  }
  const f = result.data;
  const dedupeKey =
    f.MsgId !== undefined
      ? `msg:${f.MsgId}`
      : eventDedupeKey(f, event ?? msgType, typeof fields.EventKey === "string" ? fields.EventKey : "");
  return {
    type: "unsupported",
    ...common(f, dedupeKey),
    msgType,
    event,
    msgId: f.MsgId,
    fields,
  };
}
