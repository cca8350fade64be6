-- The outbox claim orders by (nextAttemptAt, id), and rate windows count sends by recipient and kind.
DROP INDEX "OutboundMessage_status_nextAttemptAt_idx";

CREATE INDEX "OutboundMessage_status_nextAttemptAt_id_idx" ON "OutboundMessage"("status", "nextAttemptAt", "id");

CREATE INDEX "OutboundMessage_recipient_sentAt_idx" ON "OutboundMessage"("recipient", "sentAt");

CREATE INDEX "OutboundMessage_recipientKind_sentAt_idx" ON "OutboundMessage"("recipientKind", "sentAt");
