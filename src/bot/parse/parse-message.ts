import { parseDate } from "./calendar-date";
import {
  BOUNDED_COMMAND_WORDS,
  COMMANDS,
  type CommandDefinition,
  LEVEL_DECISIONS,
  SMALL_TALK,
  type SimpleCommandKind,
} from "./commands";
import { createKeywordMatcher } from "./keyword-matcher";
import { normalise } from "./normalise";
import type { IncidentSeverity, ParsedCommand, ParseOptions } from "./parsed-command";
import { parseVisit, type VisitParse } from "./parse-visit";
import { readName } from "./read-name";
import { MAX_LIST_NUMBER, readListNumber } from "./read-number-list";
import { isVisitWordAt } from "./vocabulary";

type ArgumentCommand = Exclude<CommandDefinition, { args: "none" }>;

/** Commands without arguments, by their words: the whole message must be the word. */
const SIMPLE_COMMANDS = new Map<string, SimpleCommandKind>();
/** Commands with arguments, matched at the start of the message. */
const ARGUMENT_COMMANDS: ArgumentCommand[] = [];
for (const command of COMMANDS) {
  if (command.args === "none") {
    for (const word of command.words) if (!SIMPLE_COMMANDS.has(word)) SIMPLE_COMMANDS.set(word, command.kind);
  } else {
    ARGUMENT_COMMANDS.push(command);
  }
}
const COMMAND_WORDS = createKeywordMatcher(
  ARGUMENT_COMMANDS.flatMap((command) => command.words.map((word) => ({ word, value: command }))),
  BOUNDED_COMMAND_WORDS,
);

const SMALL_TALK_WORDS = new Set(SMALL_TALK);
const INCIDENT_NUMBER = /e ?(\d{1,9})(?!\d)/y;
const PROPOSAL_NUMBER = /p? ?(\d{1,9})(?!\d)/y;
const DECISION_WORDS = new Map<string, "confirm" | "reject">(
  LEVEL_DECISIONS.flatMap((d) => d.words.map((word) => [word, d.decision] as const)),
);
const BARE_NUMBER = /(\d{1,9})(?!\d)/y;
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029\u0085]/u;

const skipSpace = (lower: string, index: number): number => (lower[index] === " " ? index + 1 : index);
const noteOf = (text: string, index: number): string | null => text.slice(index).trim() || null;

/** Lower-cases ASCII letters only, so indices stay the same as in the normalised text. */
const asciiLower = (text: string): string => text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/**
 * Reads an incident number at `index`: `E12`, `e12`, `E 12` (which may run into Chinese text:
 * `处理E12已送医`), or after a command word a bare `12` followed by a space or the end.
 */
function readIncidentNumber(lower: string, index: number): { value: number; end: number } | null {
  for (const pattern of [INCIDENT_NUMBER, BARE_NUMBER]) {
    pattern.lastIndex = index;
    const match = pattern.exec(lower);
    if (match === null) continue;
    const end = pattern.lastIndex;
    const next = lower[end];
    const bounded =
      pattern === INCIDENT_NUMBER
        ? next === undefined || !/[0-9a-z]/.test(next)
        : next === undefined || next === " ";
    const value = Number(match[1]);
    if (bounded && value >= 1) return { value, end };
  }
  return null;
}

function fromVisitParse(parsed: VisitParse, command: "visit" | "correct"): ParsedCommand {
  switch (parsed.status) {
    case "complete":
      return { kind: command, ...parsed.visit };
    case "incomplete":
      return { kind: "incomplete", command, reason: parsed.reason, understood: parsed.understood };
    case "unknown":
      return {
        kind: "unknown",
        reason: parsed.reason,
        understood: command === "visit" ? parsed.understood : { command, ...parsed.understood },
      };
    case "none":
      return command === "visit"
        ? { kind: "unknown", reason: "unrecognised", understood: {} }
        : { kind: "incomplete", command, reason: "missing_target", understood: {} };
  }
}

/** `紧急 张三 持刀 在村口`: the leading name (if any) is a candidate for the bot to resolve. */
function parseIncident(
  text: string,
  lower: string,
  start: number,
  severity: IncidentSeverity,
): ParsedCommand {
  const body = text.slice(start).trim();
  // An emergency is raised even without details (`救命`); the bot asks for them while alerting.
  if (body === "" && severity === "normal") {
    return {
      kind: "incomplete",
      command: "incident",
      reason: "missing_incident_text",
      understood: { severity },
    };
  }
  const name = readName(lower, start, isVisitWordAt);
  return { kind: "incident", severity, subjectName: name?.name ?? null, text: body };
}

/** `定级 P3 确认` / `定级 3 不调整`: the proposal number, then the decision as the whole rest. */
function parseLevelDecision(text: string, lower: string, start: number): ParsedCommand {
  PROPOSAL_NUMBER.lastIndex = start;
  const match = PROPOSAL_NUMBER.exec(lower);
  const number = match ? Number(match[1]) : null;
  const rest = match ? text.slice(PROPOSAL_NUMBER.lastIndex).trim() : text.slice(start).trim();
  const decision = DECISION_WORDS.get(asciiLower(rest));
  if (number === null || number < 1 || decision === undefined) {
    return {
      kind: "incomplete",
      command: "level",
      reason: "missing_level_decision",
      understood: number !== null && number >= 1 ? { proposalNumber: number } : {},
    };
  }
  return { kind: "level", proposalNumber: number, decision };
}

/** Reads what follows a command word, as the table says. */
function parseArguments(
  command: ArgumentCommand,
  text: string,
  lower: string,
  start: number,
  today: string,
  incidentNumber: number | null,
): ParsedCommand {
  switch (command.args) {
    case "optional-number": {
      if (start >= lower.length) return { kind: "withdraw", number: null };
      const number = readListNumber(lower, start, () => false);
      if (
        number !== null &&
        number.end === lower.length &&
        number.value >= 1 &&
        number.value <= MAX_LIST_NUMBER
      ) {
        return { kind: "withdraw", number: number.value };
      }
      return {
        kind: "unknown",
        reason: "unexpected_words",
        understood: { command: "withdraw", extra: text.slice(start) },
      };
    }
    case "visit":
      return fromVisitParse(parseVisit(text, lower, start, { today, allowDate: true }), "correct");
    case "incident":
      return parseIncident(text, lower, start, command.severity);
    case "level-decision":
      return parseLevelDecision(text, lower, start);
    case "optional-incident":
    case "incident-note": {
      let number = incidentNumber;
      let noteStart = start;
      const read = number === null ? readIncidentNumber(lower, start) : null;
      if (read !== null) {
        number = read.value;
        noteStart = read.end;
      }
      const note = noteOf(text, noteStart);
      if (command.args === "optional-incident") return { kind: "ack", incidentNumber: number, note };
      if (number === null) {
        return {
          kind: "incomplete",
          command: command.kind,
          reason: "missing_incident_number",
          understood: note === null ? {} : { note },
        };
      }
      return { kind: command.kind, incidentNumber: number, note };
    }
  }
}

/** Parses one normalised message (several lines already joined). */
function parseNormalised(text: string, today: string): ParsedCommand {
  if (text === "") return { kind: "unknown", reason: "empty", understood: {} };
  const lower = asciiLower(text);

  const simple = SIMPLE_COMMANDS.get(lower);
  if (simple !== undefined) return { kind: simple };
  if (SMALL_TALK_WORDS.has(lower)) return { kind: "unknown", reason: "small_talk", understood: {} };

  // A bare number answers the bot's question (which 张三?). With no question pending, the bot
  // treats it as a visit with no outcome.
  const bare = readListNumber(lower, 0, () => false);
  if (bare !== null && bare.end === lower.length && bare.value >= 1 && bare.value <= MAX_LIST_NUMBER) {
    return { kind: "choose", number: bare.value };
  }

  // `E12 收到`, `E12 结案 …`: the incident number may come first.
  let incidentNumber: number | null = null;
  let commandStart = 0;
  const leadingNumber = lower.startsWith("e") ? readIncidentNumber(lower, 0) : null;
  if (leadingNumber !== null) {
    const after = skipSpace(lower, leadingNumber.end);
    const args = COMMAND_WORDS.matchAt(lower, after)?.value.args;
    if (args === "optional-incident" || args === "incident-note") {
      incidentNumber = leadingNumber.value;
      commandStart = after;
    } else if (after >= lower.length) {
      return { kind: "unknown", reason: "unrecognised", understood: { incidentNumber: leadingNumber.value } };
    }
  }

  const command = COMMAND_WORDS.matchAt(lower, commandStart);
  if (command !== null) {
    const start = skipSpace(lower, command.end);
    const parsed = parseArguments(command.value, text, lower, start, today, incidentNumber);
    // A name that starts like a command word (更正华 正常) is still a visit.
    if ((parsed.kind === "incomplete" || parsed.kind === "unknown") && commandStart === 0) {
      const visit = parseVisit(text, lower, 0, { today, allowDate: true });
      if (visit.status === "complete") return { kind: "visit", ...visit.visit };
    }
    return parsed;
  }

  return fromVisitParse(parseVisit(text, lower, 0, { today, allowDate: true }), "visit");
}

/**
 * Parses one chat message from a cadre into a command. Pure: no I/O and no clock; `today`
 * (YYYY-MM-DD in Asia/Shanghai) resolves dates such as 昨天 and 11月20日. The text is normalised
 * first (`normalise`), then matched against the command table (`COMMANDS`), then read as a visit
 * report. Never throws on any text: what is not understood comes back as `incomplete` (saying what
 * is missing) or `unknown` (saying what was understood).
 *
 * @throws RangeError when `options.today` is not a real YYYY-MM-DD date (a programming error).
 */
export function parseMessage(text: string, options: ParseOptions): ParsedCommand {
  if (parseDate(options.today) === null)
    throw new RangeError(`today must be YYYY-MM-DD, got ${options.today}`);
  const raw = typeof text === "string" ? text : "";
  const lines = raw
    .split(LINE_BREAK)
    .map(normalise)
    .filter((line) => line !== "");
  if (lines.length > 1) {
    // One visit per line would be several records: refuse rather than file lines 2.. as a note.
    const visits = lines.filter((line) => parseNormalised(line, options.today).kind === "visit");
    if (visits.length > 1) return { kind: "unknown", reason: "multiple_visits", understood: {} };
  }
  return parseNormalised(normalise(lines.join(" ")), options.today);
}
