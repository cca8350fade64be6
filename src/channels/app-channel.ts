import type { DeliverFn, JsonValue } from "../outbox/outbox-worker";
import type { WecomClient } from "../wecom/client";
import type { TaskIdNamespace } from "./task-id-namespace";
import type {
  AppChatMessageContent,
  AppMessageContent,
  TemplateCard,
  WebhookMessage,
} from "../wecom/messages";

/** A delivery that cannot succeed by retrying (e.g. the member is not in the app's visibility). */
export class RecipientRejectedError extends Error {
  readonly retryable = false;
  readonly code = "recipient_rejected";
}

function asObject(body: JsonValue): Record<string, JsonValue> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new Error("outbox body is not an object");
  return body;
}

/**
 * An image kept in the outbox as its bytes (reports: the weekly chart). The deliverer uploads it
 * (media/upload) right before sending: a media_id lasts only 3 days and a retry may come later,
 * and any instance can deliver the row (no shared disk needed).
 */
export interface PendingImageBody {
  msgtype: "image";
  image: { upload: { filename: string; base64: string } };
}

/** The outbox body of an image to upload at delivery. */
export function pendingImageBody(filename: string, data: Uint8Array): PendingImageBody {
  return { msgtype: "image", image: { upload: { filename, base64: Buffer.from(data).toString("base64") } } };
}

/** Replaces a pending image by a freshly uploaded media_id; other bodies pass through. */
async function uploadPendingImage(
  client: WecomClient,
  content: Record<string, JsonValue>,
): Promise<Record<string, JsonValue>> {
  const image = content.msgtype === "image" ? content.image : undefined;
  const upload =
    image &&
    typeof image === "object" &&
    !Array.isArray(image) &&
    image.upload &&
    typeof image.upload === "object"
      ? (image.upload as Record<string, JsonValue>)
      : undefined;
  if (!upload || typeof upload.base64 !== "string") return content;
  const media = await client.uploadMedia({
    type: "image",
    filename: typeof upload.filename === "string" ? upload.filename : "image.png",
    data: Buffer.from(upload.base64, "base64"),
    contentType: "image/png",
  });
  return { msgtype: "image", image: { media_id: media.mediaId } };
}

/**
 * The self-built app channel: delivers outbox rows through the WeCom API client (message/send for
 * members, appchat/send for app chats, webhook/send for group robots). The same code runs in
 * sandbox mode, where the client points at the local emulator.
 */
export function createAppDeliver(client: WecomClient, opts: { taskIds?: TaskIdNamespace } = {}): DeliverFn {
  const namespaced = (card: JsonValue): JsonValue => {
    if (!opts.taskIds || !card || typeof card !== "object" || Array.isArray(card)) return card;
    return typeof card.task_id === "string"
      ? { ...card, task_id: opts.taskIds.outbound(card.task_id) }
      : card;
  };
  return async (message) => {
    const stored = asObject(message.body);
    // A template card goes out under this installation's task_id namespace (see TaskIdNamespace).
    const body = stored.template_card
      ? { ...stored, template_card: namespaced(stored.template_card) }
      : stored;
    switch (message.recipientKind) {
      case "user": {
        const { enable_duplicate_check, duplicate_check_interval, ...content } = body;
        if (content.msgtype === "update_template_card") {
          // A card update after a click (one-shot response code), not a new message.
          const button = content.button as { replace_name?: string } | undefined;
          await client.updateTemplateCard({
            userIds: [message.recipient],
            responseCode: String(content.response_code),
            update: button?.replace_name
              ? { replaceName: button.replace_name }
              : { templateCard: content.template_card as unknown as TemplateCard },
          });
          return {};
        }
        const res = await client.sendMessage({
          touser: [message.recipient],
          message: (await uploadPendingImage(client, content)) as unknown as AppMessageContent,
          enableDuplicateCheck: enable_duplicate_check === 1,
          duplicateCheckInterval:
            typeof duplicate_check_interval === "number" ? duplicate_check_interval : undefined,
        });
        if (res.invalidUsers.includes(message.recipient) || res.unlicensedUsers.includes(message.recipient)) {
          throw new RecipientRejectedError(
            `企业微信不接受接收人 ${message.recipient}（不在应用可见范围或未激活）`,
          );
        }
        return { msgid: res.msgId };
      }
      case "chat":
        await client.sendAppChat(message.recipient, body as unknown as AppChatMessageContent);
        return {};
      case "webhook":
        await client.sendWebhook(message.recipient, body as unknown as WebhookMessage);
        return {};
    }
  };
}
