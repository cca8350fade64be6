import type { OutgoingMessage } from "../../channels/outbound-message";
import type { WecomEvent } from "../../wecom/events";
import type { CommandContext } from "../bot";
import { type ConversationDeps, formatDay, localToday, text } from "./command-context";

const ATTACH_WINDOW_MS = 30 * 60_000;

/** An image or location sent within 30 minutes of a visit record attaches to it; never required. */
export async function attachMedia(
  ctx: CommandContext,
  deps: ConversationDeps,
  event: Extract<WecomEvent, { type: "image" | "location" }>,
): Promise<OutgoingMessage[]> {
  const kind = event.type === "image" ? "照片" : "位置";
  const [last] = await ctx.repos.visits.listRecentByCadre(
    ctx.sender.id,
    new Date(ctx.now.getTime() - ATTACH_WINDOW_MS),
  );
  if (!last) return [text(ctx, "attachment-no-visit", { kind })];
  const attachment =
    event.type === "image"
      ? { type: "image", mediaId: event.mediaId, picUrl: event.picUrl || null, at: ctx.now.toISOString() }
      : {
          type: "location",
          latitude: event.latitude,
          longitude: event.longitude,
          label: event.label || null,
          at: ctx.now.toISOString(),
        };
  await ctx.repos.visits.attach(last.id, attachment);
  const subject = await ctx.repos.subjects.findById(last.subjectId);
  return [
    text(ctx, "attachment-added", {
      kind,
      name: subject?.name ?? "",
      date: formatDay(localToday(last.occurredAt, deps.tz)),
    }),
  ];
}
