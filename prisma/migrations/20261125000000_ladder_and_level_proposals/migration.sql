-- Issue 6: the acknowledgement ladder, level proposals and outbox priority.

-- Emergencies are claimed before routine pushes (claim order: priority DESC, nextAttemptAt, id).
ALTER TABLE "OutboundMessage" ADD COLUMN "priority" INTEGER NOT NULL DEFAULT 0;

DROP INDEX "OutboundMessage_status_nextAttemptAt_id_idx";

CREATE INDEX "OutboundMessage_status_priority_nextAttemptAt_id_idx" ON "OutboundMessage"("status", "priority" DESC, "nextAttemptAt", "id");

-- Which ladder step a notification belongs to, and a cadre's incidents by event type.
ALTER TABLE "IncidentEvent" ADD COLUMN "rung" INTEGER;

CREATE INDEX "IncidentEvent_cadreId_type_idx" ON "IncidentEvent"("cadreId", "type");

-- Proposals to raise a person's level, decided by the responsible department.
CREATE TYPE "LevelProposalStatus" AS ENUM ('pending', 'confirmed', 'rejected');

CREATE TABLE "LevelProposal" (
    "id" SERIAL NOT NULL,
    "subjectId" INTEGER NOT NULL,
    "fromLevel" TEXT NOT NULL,
    "toLevel" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "visitId" INTEGER,
    "incidentId" INTEGER,
    "proposerId" INTEGER,
    "status" "LevelProposalStatus" NOT NULL DEFAULT 'pending',
    "deciderId" INTEGER,
    "decidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LevelProposal_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "LevelProposal_subjectId_status_idx" ON "LevelProposal"("subjectId", "status");

ALTER TABLE "LevelProposal" ADD CONSTRAINT "LevelProposal_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

ALTER TABLE "LevelProposal" ADD CONSTRAINT "LevelProposal_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE SET NULL ON UPDATE CASCADE;

ALTER TABLE "LevelProposal" ADD CONSTRAINT "LevelProposal_proposerId_fkey" FOREIGN KEY ("proposerId") REFERENCES "Cadre"("id") ON DELETE SET NULL ON UPDATE CASCADE;

ALTER TABLE "LevelProposal" ADD CONSTRAINT "LevelProposal_deciderId_fkey" FOREIGN KEY ("deciderId") REFERENCES "Cadre"("id") ON DELETE SET NULL ON UPDATE CASCADE;
