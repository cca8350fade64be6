-- A person leaves the register through `subject close` or an import's 状态 with a reason.
ALTER TABLE "Subject" ADD COLUMN "closeReason" TEXT;
