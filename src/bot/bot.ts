import type { InboundEnvelope } from "../channels/inbound-envelope";
import { enqueueMessages, type OutgoingMessage } from "../channels/outbound-message";
import type { Logger } from "../logger";
import type { CadreRow } from "../store/cadre-repository";
import type { Repos, Store } from "../store/store";
import type { WecomEvent } from "../wecom/events";
import type { Templates } from "./templates";

/** What a command handler gets: the sender, the event, repositories bound to the transaction. */
export interface CommandContext {
  readonly sender: CadreRow;
  readonly event: WecomEvent;
  readonly envelope: InboundEnvelope;
  readonly repos: Repos;
  readonly now: Date;
  readonly templates: Templates;
}

/** Turns one message from a known sender into replies (and records), inside one transaction. */
export type Dispatcher = (ctx: CommandContext) => Promise<OutgoingMessage[]>;

export interface BotDeps {
  store: Store;
  templates: Templates;
  dispatch: Dispatcher;
  now: () => Date;
  logger: Logger;
  /** Nudges the outbox worker after replies were committed. */
  wake?: () => void;
}

export interface Bot {
  /** dedupe → identify sender → dispatch → reply, in one transaction. Never throws. */
  handle(envelope: InboundEnvelope): Promise<void>;
}

/** Events that are not addressed to the bot by a person (no reply expected). */
const SILENT = new Set<WecomEvent["type"]>(["unsubscribe", "subscribe", "enter_agent"]);

export function createBot(deps: BotDeps): Bot {
  const { store, templates, logger } = deps;

  async function process(envelope: InboundEnvelope): Promise<void> {
    const { event } = envelope;
    const sender = await store.cadres.findByUserid(event.fromUserId);
    const replyKey = `reply:${envelope.channel}:${envelope.inboundId}`;
    await store.transaction(async (repos) => {
      const now = deps.now();
      // The claim is the dedupe point for processing: a second handler (a retry after a crash,
      // the stranded-message sweep) stops here, and a rollback releases the message again.
      if (!(await repos.inbound.claim(envelope.inboundId, now))) return;
      if (!sender?.active) {
        await repos.audit.record({
          actor: event.fromUserId,
          action: "inbound.unknown_sender",
          entity: "InboundMessage",
          entityId: envelope.inboundId,
          detail: { type: event.type },
          at: now,
        });
        if (SILENT.has(event.type)) return;
        await enqueueMessages(
          repos,
          envelope.channel,
          replyKey,
          [{ kind: "text", to: event.fromUserId, text: templates.render("unknown-sender") }],
          now,
          { duplicateCheck: false },
        );
        return;
      }
      const replies = await deps.dispatch({ sender, event, envelope, repos, now, templates });
      await enqueueMessages(repos, envelope.channel, replyKey, replies, now, { duplicateCheck: false });
    });
  }

  return {
    async handle(envelope) {
      try {
        await process(envelope);
      } catch (err) {
        logger.error({ err, inboundId: envelope.inboundId }, "inbound processing failed");
        // Nothing acknowledged is lost: the inbound row keeps the message and the error, and
        // the sender is told once (the reply key makes a second failure notice impossible).
        try {
          await store.transaction(async (repos) => {
            await repos.inbound.markFailed(
              envelope.inboundId,
              String((err as Error)?.message ?? err),
              deps.now(),
            );
            await enqueueMessages(
              repos,
              envelope.channel,
              `error:${envelope.channel}:${envelope.inboundId}`,
              [{ kind: "text", to: envelope.event.fromUserId, text: templates.render("internal-error") }],
            );
          });
        } catch (inner) {
          logger.error({ err: inner, inboundId: envelope.inboundId }, "could not record the failure");
        }
      }
      deps.wake?.();
    },
  };
}
