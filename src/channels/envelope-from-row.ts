import type { InboundRow } from "../store/inbound-repository";
import { parseWecomEvent } from "../wecom/events";
import { parseXmlRoot } from "../wecom/xml";
import type { InboundEnvelope } from "./inbound-envelope";

/** Rebuilds the envelope of a stored inbound message (its decrypted XML was stored verbatim). */
export function envelopeFromRow(row: InboundRow): InboundEnvelope {
  const payload = row.payload as { xml?: unknown } | null;
  if (!payload || typeof payload.xml !== "string") throw new Error(`inbound ${row.id} has no stored XML`);
  return {
    channel: row.channel,
    inboundId: row.id,
    event: parseWecomEvent(parseXmlRoot(payload.xml)),
    receivedAt: row.receivedAt,
  };
}
