import type { AnomalyCode } from "./anomalies";
import type { NotMetReason } from "./not-met-reasons";

/** How the cadre contacted the person (Prisma `VisitMethod`). */
export type VisitMethod = "in_person" | "phone" | "video";

/** What the cadre found (Prisma `VisitOutcome`). */
export type VisitOutcome = "normal" | "abnormal" | "not_met";

/** Incident severities the parser produces (`urgent` incidents come from grave abnormal visits). */
export type IncidentSeverity = "emergency" | "normal";

/**
 * Who a visit is about: numbers from the cadre's latest daily card, a name the bot must resolve
 * against the cadre's own people, or everybody on today's card.
 */
export type VisitTargets =
  | { kind: "numbers"; numbers: number[] }
  | { kind: "name"; name: string }
  | { kind: "all" };

/** The fields of one visit report, shared by `visit` and `correct`. */
export interface VisitReport {
  targets: VisitTargets;
  /** `in_person` unless the cadre said otherwise. */
  method: VisitMethod;
  outcome: VisitOutcome;
  /** Coded anomaly words found after the outcome (negated ones such as 未复吸 are left out). */
  anomalies: AnomalyCode[];
  /** Only for `not_met`, when the cadre said why; `null` means the bot may ask. */
  notReason: NotMetReason | null;
  /** Everything after the outcome, trimmed; `null` when nothing was written. */
  note: string | null;
  /** YYYY-MM-DD: `today` unless the message started with a date. Never after `today`. */
  date: string;
}

/** Every command a cadre can type, by kind. */
export type CommandKind =
  | "visit"
  | "correct"
  | "withdraw"
  | "tasks"
  | "week"
  | "help"
  | "stats"
  | "overdue"
  | "incident"
  | "ack"
  | "progress"
  | "close"
  | "choose"
  | "confirm"
  | "cancel"
  | "level";

/** Why a recognised command cannot be carried out yet; the bot says what is missing. */
export type IncompleteReason =
  | "missing_target"
  | "missing_outcome"
  | "future_date"
  | "invalid_date"
  | "invalid_number"
  | "range_too_large"
  | "missing_incident_number"
  | "missing_incident_text"
  /** `定级` without `P<n>` or without 确认 / 不调整. */
  | "missing_level_decision";

/** Why a message was not understood as any command. */
export type UnknownReason =
  /** Nothing left after normalisation (empty, spaces, emoji only, a bare @mention). */
  | "empty"
  /** Greetings and thanks (你好, 谢谢, 辛苦了). */
  | "small_talk"
  /** Words the parser could not place, e.g. `1 张三 正常` or `撤销 张三`; see `understood.extra`. */
  | "unexpected_words"
  /** Several visits in one message (`1 正常 2 异常`, or one per line); the bot asks for one per message. */
  | "multiple_visits"
  /** Anything else. */
  | "unrecognised";

/** The parts the parser did understand, so the bot can echo them back. Only what was said is set. */
export interface Understood {
  command?: CommandKind;
  targets?: VisitTargets;
  method?: VisitMethod;
  outcome?: VisitOutcome;
  anomalies?: AnomalyCode[];
  notReason?: NotMetReason;
  note?: string;
  /** A date the cadre typed, resolved to YYYY-MM-DD (also set for `future_date`). */
  date?: string;
  incidentNumber?: number;
  /** `P3` in `定级 P3 …`. */
  proposalNumber?: number;
  severity?: IncidentSeverity;
  /** Text the parser could not place (or an invalid date / number as typed). */
  extra?: string;
}

/** The result of parsing one message: exactly one of these, never an exception. */
export type ParsedCommand =
  | ({ kind: "visit" } & VisitReport)
  | ({ kind: "correct" } & VisitReport)
  | { kind: "withdraw"; number: number | null }
  | { kind: "tasks" }
  | { kind: "week" }
  | { kind: "help" }
  | { kind: "stats" }
  | { kind: "overdue" }
  | { kind: "incident"; severity: IncidentSeverity; subjectName: string | null; text: string }
  | { kind: "ack"; incidentNumber: number | null; note: string | null }
  | { kind: "progress"; incidentNumber: number; note: string | null }
  | { kind: "close"; incidentNumber: number; note: string | null }
  /** `定级 P3 确认` / `定级 P3 不调整`: decide a level proposal. */
  | { kind: "level"; proposalNumber: number; decision: "confirm" | "reject" }
  | { kind: "choose"; number: number }
  | { kind: "confirm" }
  | { kind: "cancel" }
  | {
      kind: "incomplete";
      command: "visit" | "correct" | "incident" | "progress" | "close" | "level";
      reason: IncompleteReason;
      understood: Understood;
    }
  | { kind: "unknown"; reason: UnknownReason; understood: Understood };

/** Options for `parseMessage`: time is a parameter, never read from the clock. */
export interface ParseOptions {
  /** The cadre's calendar day in Asia/Shanghai, YYYY-MM-DD. */
  today: string;
}
