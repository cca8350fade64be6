import type { AnomalyCode } from "./anomalies";
import type { NotMetReason } from "./not-met-reasons";
import type {
  IncompleteReason,
  Understood,
  UnknownReason,
  VisitMethod,
  VisitOutcome,
  VisitReport,
  VisitTargets,
} from "./parsed-command";
import { type DatePrefix, readDatePrefix } from "./read-date-prefix";
import { readName } from "./read-name";
import { readNumberList } from "./read-number-list";
import {
  ALL_WORDS,
  ANOMALY_WORDS,
  CURSOR_WORDS,
  isVisitWordAt,
  NEGATION_WORDS,
  REASON_WORDS,
} from "./vocabulary";

/** The outcome of reading a message as a visit report. */
export type VisitParse =
  | { status: "complete"; visit: VisitReport }
  | { status: "incomplete"; reason: IncompleteReason; understood: Understood }
  | { status: "unknown"; reason: UnknownReason; understood: Understood }
  /** Nothing in the message looks like a visit. */
  | { status: "none" };

type TargetRead =
  | { ok: true; targets: VisitTargets; end: number }
  | { ok: false; error: "invalid_number" | "range_too_large"; text: string; end: number };

const skipSpace = (lower: string, index: number): number => (lower[index] === " " ? index + 1 : index);

/** Reads who a visit is about: 全部/都, list numbers, or a name candidate. */
function readTarget(lower: string, index: number): TargetRead | null {
  const all = ALL_WORDS.matchAt(lower, index);
  if (all !== null) return { ok: true, targets: { kind: "all" }, end: all.end };
  const numbers = readNumberList(lower, index, isVisitWordAt);
  if (numbers !== null) {
    return numbers.ok
      ? { ok: true, targets: { kind: "numbers", numbers: numbers.numbers }, end: numbers.end }
      : numbers;
  }
  // A visit word is never a name: 一切正常 is an outcome, not a person called 一切.
  if (isVisitWordAt(lower, index)) return null;
  const name = readName(lower, index, isVisitWordAt);
  return name === null ? null : { ok: true, targets: { kind: "name", name: name.name }, end: name.end };
}

/** Reads a method word that comes before the target (`电话 1 正常`); null unless a target follows. */
function readLeadingMethod(lower: string, index: number): { method: VisitMethod; end: number } | null {
  const word = CURSOR_WORDS.matchAt(lower, index);
  if (word?.value.type !== "method") return null;
  const next = skipSpace(lower, word.end);
  return readTarget(lower, next) === null ? null : { method: word.value.method, end: next };
}

/** True when the text just before `index` (same clause) ends with a negation: 未复吸, 无明显打砸. */
function isNegated(lower: string, clauseStart: number, index: number): boolean {
  let before = lower.slice(Math.max(clauseStart, index - 4), index);
  const space = before.lastIndexOf(" ");
  if (space !== -1) before = before.slice(space + 1);
  return before !== "" && NEGATION_WORDS.some((negation) => before.endsWith(negation));
}

/** Codes the anomaly words (and, for a not-met visit, the first reason) in `lower[from..]`. */
function scanNote(
  lower: string,
  from: number,
  withReasons: boolean,
): { anomalies: AnomalyCode[]; reason: NotMetReason | null } {
  const anomalies: AnomalyCode[] = [];
  let reason: NotMetReason | null = null;
  let index = from;
  while (index < lower.length) {
    const reasonMatch = withReasons ? REASON_WORDS.matchAt(lower, index) : null;
    const anomalyMatch = ANOMALY_WORDS.matchAt(lower, index);
    // A reason wins a tie (未见 住院 is a reason, not an illness to report).
    const useReason = reasonMatch !== null && (anomalyMatch === null || reasonMatch.end >= anomalyMatch.end);
    const end = useReason ? reasonMatch.end : anomalyMatch?.end;
    if (end === undefined) {
      index += 1;
      continue;
    }
    if (!isNegated(lower, from, index)) {
      if (useReason) reason ??= reasonMatch.value;
      else if (anomalyMatch !== null && !anomalies.includes(anomalyMatch.value))
        anomalies.push(anomalyMatch.value);
    }
    index = end;
  }
  return { anomalies, reason };
}

/** True when a second numbered visit starts at `index` (`1 正常 2 异常`). */
function startsNumberedVisit(lower: string, index: number): boolean {
  const numbers = readNumberList(lower, index, isVisitWordAt);
  if (numbers === null || !numbers.ok) return false;
  let cursor = skipSpace(lower, numbers.end);
  const method = CURSOR_WORDS.matchAt(lower, cursor);
  if (method?.value.type === "method") cursor = skipSpace(lower, method.end);
  return CURSOR_WORDS.matchAt(lower, cursor)?.value.type === "outcome";
}

/** Finds an outcome word standing as a whole token after `index` (`1 张三 正常` → 正常). */
function findLaterOutcome(lower: string, index: number): { outcome: VisitOutcome; start: number } | null {
  for (let i = lower.indexOf(" ", index); i !== -1; i = lower.indexOf(" ", i + 1)) {
    const word = CURSOR_WORDS.matchAt(lower, i + 1);
    if (word?.value.type === "outcome" && (word.end === lower.length || lower[word.end] === " ")) {
      return { outcome: word.value.outcome, start: i + 1 };
    }
  }
  return null;
}

/**
 * Reads a visit report starting at `start` of a normalised message (`text`) and its ASCII
 * lower-cased twin (`lower`, same indices):
 * `[date] [method] <who> [method] <outcome> [note]`, e.g. `昨天 1、3 电话 异常 情绪激动 已通知民警`.
 * A known anomaly word right after the target stands for 异常 (`2 情绪激动`). The note is the rest of
 * the message; anomaly words in it are coded, and for a not-met visit the reason too.
 */
export function parseVisit(
  text: string,
  lower: string,
  start: number,
  options: { today: string; allowDate: boolean },
): VisitParse {
  let index = skipSpace(lower, start);

  let date: DatePrefix | null = null;
  if (options.allowDate) {
    const found = readDatePrefix(lower, index, options.today);
    if (found !== null) {
      const afterDate = skipSpace(lower, found.end);
      // `11-20 正常`, `1/3 正常`: a month-day with nobody after it is list numbers instead; so is
      // one followed by 都/全部 (`1-3 都正常`), which after a list only repeats "all of them".
      const next = readTarget(lower, afterDate);
      const hasTarget =
        (next !== null && !(next.ok && next.targets.kind === "all")) ||
        readLeadingMethod(lower, afterDate) !== null;
      if (!found.couldBeNumbers || hasTarget) {
        date = found;
        index = afterDate;
      }
    }
  }

  let method: VisitMethod | null = null;
  const leading = readLeadingMethod(lower, index);
  if (leading !== null) {
    method = leading.method;
    index = leading.end;
  }

  const target = readTarget(lower, index);
  if (target !== null) index = skipSpace(lower, target.end);
  const targets = target?.ok ? target.targets : null;
  // `1、2、3都正常`, `1-3 均 正常`: 都 after a list adds nothing.
  const filler = targets === null || targets.kind === "all" ? null : ALL_WORDS.matchAt(lower, index);
  if (filler !== null) index = skipSpace(lower, filler.end);

  let word = CURSOR_WORDS.matchAt(lower, index);
  if (word?.value.type === "method" && method === null) {
    method = word.value.method;
    index = skipSpace(lower, word.end);
    word = CURSOR_WORDS.matchAt(lower, index);
  }

  let outcome: VisitOutcome | null = null;
  let outcomeWord: string | null = null;
  if (word?.value.type === "outcome") {
    outcome = word.value.outcome;
    outcomeWord = word.word;
    index = skipSpace(lower, word.end);
    // `1 正常 电话`: a method word alone right after the outcome.
    const after = CURSOR_WORDS.matchAt(lower, index);
    if (
      method === null &&
      after?.value.type === "method" &&
      (after.end === lower.length || lower[after.end] === " ")
    ) {
      method = after.value.method;
      index = skipSpace(lower, after.end);
    }
  } else if (word?.value.type === "anomaly") {
    // `2 情绪激动`: the anomaly says it is abnormal; the note starts with that word.
    outcome = "abnormal";
  }

  const rest = text.slice(index).trim();
  const base: Understood = {
    ...(targets !== null && { targets }),
    ...(method !== null && { method }),
    ...(outcome !== null && { outcome }),
    ...(date?.date != null && { date: date.date }),
  };

  if (date === null && target === null && method === null && outcome === null) return { status: "none" };
  if (target !== null && !target.ok) {
    return { status: "incomplete", reason: target.error, understood: { ...base, extra: target.text } };
  }
  if (date?.error != null) {
    return { status: "incomplete", reason: date.error, understood: { ...base, extra: date.text } };
  }

  if (outcome === null) {
    const later = targets === null ? null : findLaterOutcome(lower, index);
    if (later !== null) {
      const extra = text.slice(index, later.start).trim();
      return {
        status: "unknown",
        reason: "unexpected_words",
        understood: { ...base, outcome: later.outcome, extra },
      };
    }
    const reason = targets === null ? "missing_target" : "missing_outcome";
    return { status: "incomplete", reason, understood: rest === "" ? base : { ...base, extra: rest } };
  }

  const scanned = scanNote(lower, index, outcome === "not_met");
  let notReason: NotMetReason | null = null;
  if (outcome === "not_met") {
    const own = outcomeWord === null ? null : REASON_WORDS.matchAt(outcomeWord, 0);
    notReason = own !== null && own.end === outcomeWord?.length ? own.value : scanned.reason;
  }
  const note = rest === "" ? null : rest;

  if (targets === null) {
    return {
      status: "incomplete",
      reason: "missing_target",
      understood: {
        ...base,
        ...(scanned.anomalies.length > 0 && { anomalies: scanned.anomalies }),
        ...(notReason !== null && { notReason }),
        ...(note !== null && { note }),
      },
    };
  }
  if (startsNumberedVisit(lower, index)) {
    return { status: "unknown", reason: "multiple_visits", understood: { ...base, extra: rest } };
  }
  return {
    status: "complete",
    visit: {
      targets,
      method: method ?? "in_person",
      outcome,
      anomalies: scanned.anomalies,
      notReason,
      note,
      date: date?.date ?? options.today,
    },
  };
}
