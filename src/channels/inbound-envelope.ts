import type { WecomEvent } from "../wecom/events";

/** A stored inbound message handed from a channel to the bot. */
export interface InboundEnvelope {
  /** Which channel received it ("app" for the self-built app, also in the sandbox). */
  readonly channel: string;
  /** The InboundMessage row, stored before the channel acknowledged the message. */
  readonly inboundId: number;
  readonly event: WecomEvent;
  readonly receivedAt: Date;
}

/** The one seam between transport and logic: channels call this, tests call it directly. */
export type InboundHandler = (envelope: InboundEnvelope) => Promise<void>;
