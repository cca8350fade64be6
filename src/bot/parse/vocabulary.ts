import { ANOMALIES, type AnomalyCode } from "./anomalies";
import { COMMANDS, SMALL_TALK } from "./commands";
import { createKeywordMatcher, entriesOf, type KeywordEntry, type KeywordMatcher } from "./keyword-matcher";
import { NOT_MET_REASONS, type NotMetReason } from "./not-met-reasons";
import type { VisitMethod, VisitOutcome } from "./parsed-command";
import { RELATIVE_DAYS } from "./read-date-prefix";
import { ALL_TARGET_WORDS, BOUNDED_WORDS, METHOD_WORDS, NEGATIONS, OUTCOME_WORDS } from "./visit-words";

/** What a word right after the target can be. */
export type CursorWord =
  | { type: "method"; method: VisitMethod }
  | { type: "outcome"; outcome: VisitOutcome }
  | { type: "anomaly"; code: AnomalyCode };

const cursorEntries: KeywordEntry<CursorWord>[] = [
  ...entriesOf(OUTCOME_WORDS).map(({ word, value }) => ({
    word,
    value: { type: "outcome", outcome: value } as const,
  })),
  ...entriesOf(METHOD_WORDS).map(({ word, value }) => ({
    word,
    value: { type: "method", method: value } as const,
  })),
  ...ANOMALIES.flatMap((anomaly) =>
    anomaly.words.map((word) => ({ word, value: { type: "anomaly", code: anomaly.code } as const })),
  ),
];

/** Methods, outcomes and anomaly words, longest first: what may follow the target of a visit. */
export const CURSOR_WORDS: KeywordMatcher<CursorWord> = createKeywordMatcher(cursorEntries, BOUNDED_WORDS);

/** Anomaly words, for scanning notes. */
export const ANOMALY_WORDS: KeywordMatcher<AnomalyCode> = createKeywordMatcher(
  ANOMALIES.flatMap((anomaly) => anomaly.words.map((word) => ({ word, value: anomaly.code }))),
);

/** Not-met reason words, for scanning the note of a not-met visit. */
export const REASON_WORDS: KeywordMatcher<NotMetReason> = createKeywordMatcher(
  NOT_MET_REASONS.flatMap((reason) => reason.words.map((word) => ({ word, value: reason.code }))),
);

/** Words meaning everybody on today's card. */
export const ALL_WORDS: KeywordMatcher<"all"> = createKeywordMatcher(
  ALL_TARGET_WORDS.map((word) => ({ word, value: "all" as const })),
);

/** Negations, for checking the text before an anomaly word. */
export const NEGATION_WORDS: readonly string[] = [...NEGATIONS].sort((a, b) => b.length - a.length);

/**
 * Every word of two or more characters that has a meaning to the parser. A name candidate that is
 * or contains one of these is not a name (正常, 电话, 情绪激动, 昨天, 任务 …).
 */
export const RESERVED_WORDS: KeywordMatcher<true> = createKeywordMatcher(
  [
    ...cursorEntries.map((entry) => entry.word),
    ...NOT_MET_REASONS.flatMap((reason) => reason.words),
    ...ALL_TARGET_WORDS,
    ...COMMANDS.flatMap((command) => command.words),
    ...SMALL_TALK,
    ...RELATIVE_DAYS.map(([word]) => word),
  ]
    .filter((word) => Array.from(word).length >= 2)
    .map((word) => ({ word, value: true as const })),
);

/** True when a method, outcome, anomaly or everybody word (都, 全部) starts at `index`. */
export function isVisitWordAt(lower: string, index: number): boolean {
  return CURSOR_WORDS.matchAt(lower, index) !== null || ALL_WORDS.matchAt(lower, index) !== null;
}
