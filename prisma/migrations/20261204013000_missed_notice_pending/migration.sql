-- Missed-visit notices are built at 09:00 from the misses still pending then (not notified, not
-- satisfied by a late entry): the job finds them by notifiedAt and createdAt.
CREATE INDEX "MissedObligation_notifiedAt_createdAt_idx" ON "MissedObligation"("notifiedAt", "createdAt");
