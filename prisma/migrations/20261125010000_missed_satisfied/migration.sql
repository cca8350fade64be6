-- A missed obligation is satisfied when a visit dated in its period, entered late, brings the
-- period up to the policy's minimum, and open again when that visit is withdrawn or corrected.
ALTER TABLE "MissedObligation" ADD COLUMN "satisfiedAt" TIMESTAMP(3),
ADD COLUMN "satisfiedByVisitId" INTEGER;

CREATE INDEX "MissedObligation_satisfiedByVisitId_idx" ON "MissedObligation"("satisfiedByVisitId");
