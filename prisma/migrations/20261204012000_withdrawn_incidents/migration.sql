-- Withdrawing or correcting a visit settles what it raised (issue 11 item 2): an incident nobody
-- acted on is withdrawn (status + event), one somebody acted on records that its visit is gone,
-- and an undecided level proposal is withdrawn.
ALTER TYPE "IncidentStatus" ADD VALUE 'withdrawn';
ALTER TYPE "IncidentEventType" ADD VALUE 'withdrawn';
ALTER TYPE "IncidentEventType" ADD VALUE 'source_withdrawn';
ALTER TYPE "LevelProposalStatus" ADD VALUE 'withdrawn';
