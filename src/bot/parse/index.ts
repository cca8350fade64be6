export { ANOMALIES, ANOMALY_LABELS, type AnomalyCode, type AnomalyDefinition } from "./anomalies";
export {
  type ArgumentGrammar,
  COMMANDS,
  type CommandDefinition,
  SMALL_TALK,
  type SimpleCommandKind,
} from "./commands";
export { normalise } from "./normalise";
export { NOT_MET_REASON_LABELS, NOT_MET_REASONS, type NotMetReason } from "./not-met-reasons";
export { parseMessage } from "./parse-message";
export type {
  CommandKind,
  IncidentSeverity,
  IncompleteReason,
  ParsedCommand,
  ParseOptions,
  Understood,
  UnknownReason,
  VisitMethod,
  VisitOutcome,
  VisitReport,
  VisitTargets,
} from "./parsed-command";
export { MAX_LIST_NUMBER, MAX_TARGET_NUMBERS } from "./read-number-list";
