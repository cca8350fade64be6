import type { InboundRow } from "../store/inbound-repository";
import { parseWecomEvent } from "../wecom/events";
import { parseXmlRoot } from "../wecom/xml";
import type { InboundEnvelope } from "./inbound-envelope";
import type { TaskIdNamespace } from "./task-id-namespace";

/**
 * Rebuilds the envelope of a stored inbound message (its decrypted XML, stored as parseCallback
 * made it storable); a card event's task_id loses this installation's namespace (see
 * TaskIdNamespace).
 */
export function envelopeFromRow(row: InboundRow, taskIds?: TaskIdNamespace): InboundEnvelope {
  const payload = row.payload as { xml?: unknown } | null;
  if (!payload || typeof payload.xml !== "string") throw new Error(`inbound ${row.id} has no stored XML`);
  const event = parseWecomEvent(parseXmlRoot(payload.xml));
  return {
    channel: row.channel,
    inboundId: row.id,
    event:
      taskIds && event.type === "template_card_event"
        ? { ...event, taskId: taskIds.inbound(event.taskId) }
        : event,
    receivedAt: row.receivedAt,
  };
}
