import { type AuditRepository, PrismaAuditRepository } from "./audit-repository";
import { type CadreRepository, PrismaCadreRepository } from "./cadre-repository";
import { type ConversationRepository, PrismaConversationRepository } from "./conversation-repository";
import { type GuaranteeRepository, PrismaGuaranteeRepository } from "./guarantee-repository";
import { type IncidentRepository, PrismaIncidentRepository } from "./incident-repository";
import type { IdCipher } from "./id-cipher";
import { type InboundRepository, PrismaInboundRepository } from "./inbound-repository";
import { type JobRunRepository, PrismaJobRunRepository } from "./job-run-repository";
import { type LevelProposalRepository, PrismaLevelProposalRepository } from "./level-proposal-repository";
import { type OutboxRepository, PrismaOutboxRepository } from "./outbox-repository";
import type { Db, PrismaClient } from "./prisma-client";
import { PrismaRegionRepository, type RegionRepository } from "./region-repository";
import { PrismaSettingRepository, type SettingRepository } from "./setting-repository";
import { PrismaSubjectRepository, type SubjectRepository } from "./subject-repository";
// The register import (issue 12).
import { PrismaRegisterRepository, type RegisterRepository } from "./register-repository";
// Cadence engine (issue 5).
import { type CadreListRepository, PrismaCadreListRepository } from "./cadre-list-repository";
import {
  type MissedObligationRepository,
  PrismaMissedObligationRepository,
} from "./missed-obligation-repository";
import { type PlanInputRepository, PrismaPlanInputRepository } from "./plan-input-repository";
import { type PolicyRepository, PrismaPolicyRepository } from "./policy-repository";
import { PrismaVisitRepository, type VisitRepository } from "./visit-repository";
// Leader summaries and reports (issue 6).
import { PrismaReportRepository, type ReportRepository } from "./report-repository";
// The register's exports (issue 12), read-only.
import { PrismaRegisterExportRepository, type RegisterExportRepository } from "./register-export-repository";

/** Every repository, bound to one client or one transaction. */
export interface Repos {
  readonly regions: RegionRepository;
  readonly cadres: CadreRepository;
  readonly subjects: SubjectRepository;
  readonly guarantees: GuaranteeRepository;
  readonly inbound: InboundRepository;
  readonly outbox: OutboxRepository;
  readonly audit: AuditRepository;
  readonly settings: SettingRepository;
  readonly jobRuns: JobRunRepository;
  readonly visits: VisitRepository;
  readonly conversation: ConversationRepository;
  readonly incidents: IncidentRepository;
  /** Level proposals after grave anomalies and incidents (issue 6). */
  readonly levelProposals: LevelProposalRepository;
  // Cadence engine (issue 5).
  readonly policies: PolicyRepository;
  readonly planInputs: PlanInputRepository;
  readonly cadreLists: CadreListRepository;
  readonly missedObligations: MissedObligationRepository;
  // Leader summaries and reports (issue 6), read-only.
  readonly reports: ReportRepository;
  // The register's exports (issue 12), read-only and paged.
  readonly registerExport: RegisterExportRepository;
  // The register import (issue 12).
  readonly register: RegisterRepository;
}

export interface Store extends Repos {
  /**
   * Runs `fn` in one database transaction with repositories bound to it. Inside, use only the
   * given repositories: on the embedded database a query on another connection waits for the
   * transaction to end (PGlite runs one transaction at a time), so it would never return.
   */
  transaction<T>(fn: (repos: Repos) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T>;
}

function bind(db: Db, cipher: IdCipher): Repos {
  const audit = new PrismaAuditRepository(db);
  return {
    regions: new PrismaRegionRepository(db),
    cadres: new PrismaCadreRepository(db),
    subjects: new PrismaSubjectRepository(db, cipher, audit),
    guarantees: new PrismaGuaranteeRepository(db),
    inbound: new PrismaInboundRepository(db),
    outbox: new PrismaOutboxRepository(db),
    audit,
    settings: new PrismaSettingRepository(db),
    jobRuns: new PrismaJobRunRepository(db),
    visits: new PrismaVisitRepository(db),
    conversation: new PrismaConversationRepository(db),
    incidents: new PrismaIncidentRepository(db),
    levelProposals: new PrismaLevelProposalRepository(db),
    // Cadence engine (issue 5).
    policies: new PrismaPolicyRepository(db),
    planInputs: new PrismaPlanInputRepository(db),
    cadreLists: new PrismaCadreListRepository(db),
    missedObligations: new PrismaMissedObligationRepository(db),
    reports: new PrismaReportRepository(db),
    registerExport: new PrismaRegisterExportRepository(db),
    register: new PrismaRegisterRepository(db, cipher),
  };
}

/** The store: repositories over the client, plus transactions. */
export function createStore(prisma: PrismaClient, cipher: IdCipher): Store {
  return {
    ...bind(prisma, cipher),
    transaction: (fn, opts) =>
      prisma.$transaction((tx) => fn(bind(tx, cipher)), {
        timeout: opts?.timeoutMs ?? 15_000,
        maxWait: 15_000,
      }),
  };
}
