-- CreateTable
CREATE TABLE "CadreList" (
    "id" SERIAL NOT NULL,
    "cadreId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "date" TEXT NOT NULL,
    "items" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CadreList_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConversationState" (
    "cadreId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConversationState_pkey" PRIMARY KEY ("cadreId")
);

-- CreateTable
CREATE TABLE "MissedObligation" (
    "id" SERIAL NOT NULL,
    "subjectId" INTEGER NOT NULL,
    "scope" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "consecutive" INTEGER NOT NULL,
    "rung" TEXT NOT NULL,
    "notifiedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MissedObligation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CadreList_cadreId_createdAt_idx" ON "CadreList"("cadreId", "createdAt");

-- CreateIndex
CREATE INDEX "MissedObligation_periodKey_idx" ON "MissedObligation"("periodKey");

-- CreateIndex
CREATE UNIQUE INDEX "MissedObligation_subjectId_scope_periodKey_key" ON "MissedObligation"("subjectId", "scope", "periodKey");
