-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "RegionLevel" AS ENUM ('province', 'city', 'county', 'township', 'village', 'grid');

-- CreateEnum
CREATE TYPE "CadreRole" AS ENUM ('guarantor', 'village_leader', 'township_leader', 'county_admin', 'police', 'doctor', 'justice', 'civil_affairs', 'drug_control', 'volunteer', 'teacher');

-- CreateEnum
CREATE TYPE "Category" AS ENUM ('mental_disorder', 'drug_rehab', 'community_correction', 'released_prisoner', 'left_behind_child', 'elderly_alone', 'idle_youth', 'petitioner');

-- CreateEnum
CREATE TYPE "SubjectStatus" AS ENUM ('active', 'paused', 'closed');

-- CreateEnum
CREATE TYPE "Gender" AS ENUM ('male', 'female', 'unknown');

-- CreateEnum
CREATE TYPE "GuaranteeRole" AS ENUM ('primary', 'secondary', 'police', 'doctor', 'justice', 'civil_affairs');

-- CreateEnum
CREATE TYPE "VisitMethod" AS ENUM ('in_person', 'phone', 'video');

-- CreateEnum
CREATE TYPE "PolicyMethod" AS ENUM ('in_person', 'phone', 'any');

-- CreateEnum
CREATE TYPE "PolicyPeriod" AS ENUM ('week', 'month', 'quarter', 'year', 'days');

-- CreateEnum
CREATE TYPE "GuarantorRule" AS ENUM ('any', 'each');

-- CreateEnum
CREATE TYPE "VisitOutcome" AS ENUM ('normal', 'abnormal', 'not_met');

-- CreateEnum
CREATE TYPE "VisitStatus" AS ENUM ('active', 'withdrawn', 'superseded');

-- CreateEnum
CREATE TYPE "IncidentSeverity" AS ENUM ('emergency', 'urgent', 'normal');

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('reported', 'notified', 'acknowledged', 'in_progress', 'closed');

-- CreateEnum
CREATE TYPE "IncidentEventType" AS ENUM ('reported', 'notified', 'acknowledged', 'progress', 'escalated', 'closed');

-- CreateEnum
CREATE TYPE "InboundStatus" AS ENUM ('received', 'processed', 'failed');

-- CreateEnum
CREATE TYPE "OutboundStatus" AS ENUM ('pending', 'sending', 'sent', 'failed');

-- CreateEnum
CREATE TYPE "JobRunStatus" AS ENUM ('running', 'done', 'failed');

-- CreateTable
CREATE TABLE "Region" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" "RegionLevel" NOT NULL,
    "parentId" INTEGER,
    "path" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Region_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cadre" (
    "id" SERIAL NOT NULL,
    "userid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mobile" TEXT,
    "roles" "CadreRole"[],
    "homeRegionId" INTEGER NOT NULL,
    "scopeRegionId" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Cadre_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Subject" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "idCipher" TEXT,
    "idHash" TEXT,
    "idMasked" TEXT,
    "gender" "Gender" NOT NULL DEFAULT 'unknown',
    "birthDate" DATE,
    "phone" TEXT,
    "address" TEXT,
    "regionId" INTEGER NOT NULL,
    "category" "Category" NOT NULL,
    "level" TEXT NOT NULL,
    "status" "SubjectStatus" NOT NULL DEFAULT 'active',
    "pauseReason" TEXT,
    "pausedFrom" DATE,
    "pausedUntil" DATE,
    "closedAt" TIMESTAMP(3),
    "department" TEXT,
    "notes" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Subject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Guarantee" (
    "id" SERIAL NOT NULL,
    "subjectId" INTEGER NOT NULL,
    "cadreId" INTEGER NOT NULL,
    "role" "GuaranteeRole" NOT NULL DEFAULT 'primary',
    "startDate" DATE NOT NULL,
    "endDate" DATE,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Guarantee_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CadencePolicy" (
    "id" SERIAL NOT NULL,
    "regionCode" TEXT NOT NULL DEFAULT '*',
    "category" "Category" NOT NULL,
    "level" TEXT NOT NULL DEFAULT '*',
    "method" "PolicyMethod" NOT NULL DEFAULT 'any',
    "period" "PolicyPeriod" NOT NULL,
    "intervalDays" INTEGER,
    "minCount" INTEGER NOT NULL DEFAULT 1,
    "rule" "GuarantorRule" NOT NULL DEFAULT 'any',
    "source" TEXT NOT NULL,
    "updatedBy" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CadencePolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Visit" (
    "id" SERIAL NOT NULL,
    "subjectId" INTEGER NOT NULL,
    "cadreId" INTEGER NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "method" "VisitMethod" NOT NULL DEFAULT 'in_person',
    "outcome" "VisitOutcome" NOT NULL,
    "anomalies" TEXT[],
    "note" TEXT,
    "attachments" JSONB NOT NULL DEFAULT '[]',
    "sourceMessageId" TEXT,
    "status" "VisitStatus" NOT NULL DEFAULT 'active',
    "withdrawnAt" TIMESTAMP(3),
    "correctsId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Visit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Incident" (
    "id" SERIAL NOT NULL,
    "severity" "IncidentSeverity" NOT NULL,
    "status" "IncidentStatus" NOT NULL DEFAULT 'reported',
    "category" "Category",
    "reporterId" INTEGER NOT NULL,
    "subjectId" INTEGER,
    "regionId" INTEGER NOT NULL,
    "summary" TEXT NOT NULL,
    "ladderLevel" INTEGER NOT NULL DEFAULT 0,
    "nextEscalationAt" TIMESTAMP(3),
    "acknowledgedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "sourceMessageId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IncidentEvent" (
    "id" SERIAL NOT NULL,
    "incidentId" INTEGER NOT NULL,
    "type" "IncidentEventType" NOT NULL,
    "cadreId" INTEGER,
    "note" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IncidentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "fromUser" TEXT NOT NULL,
    "msgType" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "InboundStatus" NOT NULL DEFAULT 'received',
    "error" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMP(3),

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboundMessage" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "recipientKind" TEXT NOT NULL DEFAULT 'user',
    "body" JSONB NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "status" "OutboundStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMP(3),
    "lockedBy" TEXT,
    "wecomMsgId" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "OutboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" SERIAL NOT NULL,
    "job" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "status" "JobRunStatus" NOT NULL DEFAULT 'running',
    "instance" TEXT,
    "result" JSONB,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity" TEXT,
    "entityId" TEXT,
    "detail" JSONB,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "Region_code_key" ON "Region"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Region_path_key" ON "Region"("path");

-- CreateIndex
CREATE INDEX "Region_parentId_idx" ON "Region"("parentId");

-- CreateIndex
CREATE UNIQUE INDEX "Cadre_userid_key" ON "Cadre"("userid");

-- CreateIndex
CREATE INDEX "Cadre_homeRegionId_idx" ON "Cadre"("homeRegionId");

-- CreateIndex
CREATE INDEX "Cadre_scopeRegionId_idx" ON "Cadre"("scopeRegionId");

-- CreateIndex
CREATE UNIQUE INDEX "Subject_idHash_key" ON "Subject"("idHash");

-- CreateIndex
CREATE INDEX "Subject_regionId_category_idx" ON "Subject"("regionId", "category");

-- CreateIndex
CREATE INDEX "Subject_status_idx" ON "Subject"("status");

-- CreateIndex
CREATE INDEX "Guarantee_cadreId_idx" ON "Guarantee"("cadreId");

-- CreateIndex
CREATE UNIQUE INDEX "Guarantee_subjectId_cadreId_startDate_key" ON "Guarantee"("subjectId", "cadreId", "startDate");

-- CreateIndex
CREATE UNIQUE INDEX "CadencePolicy_regionCode_category_level_key" ON "CadencePolicy"("regionCode", "category", "level");

-- CreateIndex
CREATE UNIQUE INDEX "Visit_sourceMessageId_key" ON "Visit"("sourceMessageId");

-- CreateIndex
CREATE UNIQUE INDEX "Visit_correctsId_key" ON "Visit"("correctsId");

-- CreateIndex
CREATE INDEX "Visit_subjectId_occurredAt_idx" ON "Visit"("subjectId", "occurredAt");

-- CreateIndex
CREATE INDEX "Visit_cadreId_createdAt_idx" ON "Visit"("cadreId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Incident_sourceMessageId_key" ON "Incident"("sourceMessageId");

-- CreateIndex
CREATE INDEX "Incident_status_nextEscalationAt_idx" ON "Incident"("status", "nextEscalationAt");

-- CreateIndex
CREATE INDEX "Incident_regionId_createdAt_idx" ON "Incident"("regionId", "createdAt");

-- CreateIndex
CREATE INDEX "IncidentEvent_incidentId_at_idx" ON "IncidentEvent"("incidentId", "at");

-- CreateIndex
CREATE INDEX "InboundMessage_status_receivedAt_idx" ON "InboundMessage"("status", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "InboundMessage_channel_externalId_key" ON "InboundMessage"("channel", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMessage_idempotencyKey_key" ON "OutboundMessage"("idempotencyKey");

-- CreateIndex
CREATE INDEX "OutboundMessage_status_nextAttemptAt_idx" ON "OutboundMessage"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboundMessage_recipient_createdAt_idx" ON "OutboundMessage"("recipient", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "JobRun_job_periodKey_key" ON "JobRun"("job", "periodKey");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "AuditLog_entity_entityId_idx" ON "AuditLog"("entity", "entityId");

-- AddForeignKey
ALTER TABLE "Region" ADD CONSTRAINT "Region_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Region"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Cadre" ADD CONSTRAINT "Cadre_homeRegionId_fkey" FOREIGN KEY ("homeRegionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Cadre" ADD CONSTRAINT "Cadre_scopeRegionId_fkey" FOREIGN KEY ("scopeRegionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Subject" ADD CONSTRAINT "Subject_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Guarantee" ADD CONSTRAINT "Guarantee_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Guarantee" ADD CONSTRAINT "Guarantee_cadreId_fkey" FOREIGN KEY ("cadreId") REFERENCES "Cadre"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_cadreId_fkey" FOREIGN KEY ("cadreId") REFERENCES "Cadre"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_correctsId_fkey" FOREIGN KEY ("correctsId") REFERENCES "Visit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_reporterId_fkey" FOREIGN KEY ("reporterId") REFERENCES "Cadre"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentEvent" ADD CONSTRAINT "IncidentEvent_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentEvent" ADD CONSTRAINT "IncidentEvent_cadreId_fkey" FOREIGN KEY ("cadreId") REFERENCES "Cadre"("id") ON DELETE SET NULL ON UPDATE CASCADE;

