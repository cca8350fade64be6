/**
 * Outbound message bodies, in WeCom's own JSON shapes (wecom.md §4.2–§4.5) so they can be stored
 * in the outbox and sent verbatim. Only the fields this project uses are typed precisely; template
 * cards stay open-ended because WeCom validates them and the shapes are large.
 */

export type TemplateCardType =
  | "text_notice"
  | "news_notice"
  | "button_interaction"
  | "vote_interaction"
  | "multiple_interaction";

/** A template card (wecom.md §4.3). `task_id` (≤128 bytes, [0-9A-Za-z_\-@], unique per app) is
 * required for interactive cards and for cards with `action_menu`. */
export interface TemplateCard {
  card_type: TemplateCardType;
  task_id?: string;
  [field: string]: unknown;
}

export interface TextContent {
  msgtype: "text";
  /** ≤ 2048 UTF-8 bytes (WeCom truncates silently; the client refuses longer content). */
  text: { content: string };
}

export interface MarkdownContent {
  msgtype: "markdown";
  /** ≤ 2048 UTF-8 bytes for message/send and appchat/send. */
  markdown: { content: string };
}

export interface TextCardContent {
  msgtype: "textcard";
  /** title ≤128 B, description ≤512 B, btntxt ≤4 chars (wecom.md §4.2, unverified limits). */
  textcard: { title: string; description: string; url: string; btntxt?: string };
}

export interface ImageContent {
  msgtype: "image";
  /** From media/upload, valid 3 days. */
  image: { media_id: string };
}

export interface TemplateCardContent {
  msgtype: "template_card";
  template_card: TemplateCard;
}

/** Bodies accepted by message/send. */
export type AppMessageContent =
  | TextContent
  | MarkdownContent
  | TextCardContent
  | ImageContent
  | TemplateCardContent;

/** Bodies accepted by appchat/send: no template_card there (wecom.md §4.4). */
export type AppChatMessageContent = Exclude<AppMessageContent, TemplateCardContent>;

/** Bodies accepted by the group robot webhook (wecom.md §4.5). */
export type WebhookMessage =
  | {
      msgtype: "text";
      /** content ≤ 2048 bytes; mentioned_* lists only work on text. */
      text: { content: string; mentioned_list?: string[]; mentioned_mobile_list?: string[] };
    }
  | { msgtype: "markdown"; markdown: { content: string } }
  | { msgtype: "markdown_v2"; markdown_v2: { content: string } }
  | { msgtype: "image"; image: { base64: string; md5: string } }
  | {
      msgtype: "news";
      news: { articles: { title: string; description?: string; url: string; picurl?: string }[] };
    }
  | { msgtype: "template_card"; template_card: TemplateCard };
