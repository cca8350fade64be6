import { z } from "zod";
import { ANOMALIES, NOT_MET_REASONS } from "../../../src/bot/parse";

// An independent description of ParsedCommand, used to check that every parse result is a valid
// variant with no extra or missing keys.

const anomalyCode = z.enum(ANOMALIES.map((anomaly) => anomaly.code) as [string, ...string[]]);
const notMetReason = z.enum(NOT_MET_REASONS.map((reason) => reason.code) as [string, ...string[]]);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const listNumber = z.number().int().min(1).max(999);
const incidentNumber = z.number().int().min(1);
const method = z.enum(["in_person", "phone", "video"]);
const outcome = z.enum(["normal", "abnormal", "not_met"]);
const severity = z.enum(["emergency", "normal"]);
const nonEmptyTrimmed = z
  .string()
  .min(1)
  .refine((text) => text === text.trim(), "not trimmed");

const targets = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("numbers"), numbers: z.array(listNumber).min(1).max(50) }),
  z.strictObject({ kind: z.literal("name"), name: z.string().min(2) }),
  z.strictObject({ kind: z.literal("all") }),
]);

const visitFields = {
  targets,
  method,
  outcome,
  anomalies: z.array(anomalyCode),
  notReason: notMetReason.nullable(),
  note: nonEmptyTrimmed.nullable(),
  date: isoDate,
};

const commandKind = z.enum([
  "visit",
  "correct",
  "withdraw",
  "tasks",
  "week",
  "help",
  "stats",
  "overdue",
  "incident",
  "ack",
  "progress",
  "close",
  "choose",
  "confirm",
  "cancel",
  "level",
]);

const understood = z.strictObject({
  command: commandKind.optional(),
  targets: targets.optional(),
  method: method.optional(),
  outcome: outcome.optional(),
  anomalies: z.array(anomalyCode).optional(),
  notReason: notMetReason.optional(),
  note: z.string().optional(),
  date: isoDate.optional(),
  incidentNumber: incidentNumber.optional(),
  proposalNumber: incidentNumber.optional(),
  severity: severity.optional(),
  extra: z.string().optional(),
});

/** Every valid ParsedCommand. */
export const parsedCommandSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("visit"), ...visitFields }),
  z.strictObject({ kind: z.literal("correct"), ...visitFields }),
  z.strictObject({ kind: z.literal("withdraw"), number: listNumber.nullable() }),
  z.strictObject({ kind: z.literal("tasks") }),
  z.strictObject({ kind: z.literal("week") }),
  z.strictObject({ kind: z.literal("help") }),
  z.strictObject({ kind: z.literal("stats") }),
  z.strictObject({ kind: z.literal("overdue") }),
  z.strictObject({
    kind: z.literal("incident"),
    severity,
    subjectName: z.string().min(2).nullable(),
    text: z.string().refine((text) => text === text.trim(), "not trimmed"),
  }),
  z.strictObject({
    kind: z.literal("ack"),
    incidentNumber: incidentNumber.nullable(),
    note: nonEmptyTrimmed.nullable(),
  }),
  z.strictObject({ kind: z.literal("progress"), incidentNumber, note: nonEmptyTrimmed.nullable() }),
  z.strictObject({ kind: z.literal("close"), incidentNumber, note: nonEmptyTrimmed.nullable() }),
  z.strictObject({
    kind: z.literal("level"),
    proposalNumber: incidentNumber,
    decision: z.enum(["confirm", "reject"]),
  }),
  z.strictObject({ kind: z.literal("choose"), number: listNumber }),
  z.strictObject({ kind: z.literal("confirm") }),
  z.strictObject({ kind: z.literal("cancel") }),
  z.strictObject({
    kind: z.literal("incomplete"),
    command: z.enum(["visit", "correct", "incident", "progress", "close", "level"]),
    reason: z.enum([
      "missing_target",
      "missing_outcome",
      "future_date",
      "invalid_date",
      "invalid_number",
      "range_too_large",
      "missing_incident_number",
      "missing_incident_text",
      "missing_level_decision",
    ]),
    understood,
  }),
  z.strictObject({
    kind: z.literal("unknown"),
    reason: z.enum(["empty", "small_talk", "unexpected_words", "multiple_visits", "unrecognised"]),
    understood,
  }),
]);
