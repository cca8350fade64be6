import { ANOMALIES, COMMANDS, NOT_MET_REASONS, parseMessage, SMALL_TALK } from "../../../src/bot/parse";
import { ALL_TARGET_WORDS, METHOD_WORDS, OUTCOME_WORDS } from "../../../src/bot/parse/visit-words";

// Every word in the declared tables must reach its own meaning: no word may be shadowed by a
// longer or earlier word of another meaning.

const TODAY = "2026-11-24";
const parse = (text: string) => parseMessage(text, { today: TODAY });

const commandCases = COMMANDS.flatMap((command) => command.words.map((word) => [word, command] as const));

describe("every command word, typed alone", () => {
  test.each(commandCases)("%j", (word, command) => {
    const parsed = parse(word);
    switch (command.args) {
      case "none":
        expect(parsed).toStrictEqual({ kind: command.kind });
        break;
      case "optional-number":
        expect(parsed).toStrictEqual({ kind: "withdraw", number: null });
        break;
      case "visit":
        expect(parsed).toStrictEqual({
          kind: "incomplete",
          command: "correct",
          reason: "missing_target",
          understood: {},
        });
        break;
      case "incident":
        expect(parsed).toStrictEqual(
          command.severity === "emergency"
            ? { kind: "incident", severity: "emergency", subjectName: null, text: "" }
            : {
                kind: "incomplete",
                command: "incident",
                reason: "missing_incident_text",
                understood: { severity: "normal" },
              },
        );
        break;
      case "optional-incident":
        expect(parsed).toStrictEqual({ kind: "ack", incidentNumber: null, note: null });
        break;
      case "incident-note":
        expect(parsed).toStrictEqual({
          kind: "incomplete",
          command: command.kind,
          reason: "missing_incident_number",
          understood: {},
        });
        break;
      case "level-decision":
        expect(parsed).toStrictEqual({
          kind: "incomplete",
          command: "level",
          reason: "missing_level_decision",
          understood: {},
        });
        break;
    }
  });
});

describe("every command word with arguments", () => {
  const withArguments = commandCases.filter(
    ([word, command]) => command.args !== "none" && word !== "急" && word !== "急急" && word !== "急急急",
  );
  test.each(withArguments)("%j", (word, command) => {
    const parsed = parse(`${word} E5 2 张三 正常`);
    expect(parsed.kind).toBe(
      command.args === "optional-number"
        ? "unknown"
        : command.args === "visit" || command.args === "level-decision"
          ? "incomplete"
          : command.args === "optional-incident"
            ? "ack"
            : command.kind,
    );
  });
});

describe("every anomaly word is coded after 异常", () => {
  const cases = ANOMALIES.flatMap((anomaly) => anomaly.words.map((word) => [word, anomaly.code] as const));
  test.each(cases)("%j → %s", (word, code) => {
    expect(parse(`2 异常 ${word}`)).toMatchObject({
      kind: "visit",
      outcome: "abnormal",
      anomalies: [code],
      note: word,
    });
  });
  test.each(cases)("没有%s is negated", (word) => {
    const parsed = parse(`2 正常 家属说没有${word}`);
    expect(parsed).toMatchObject({ kind: "visit", outcome: "normal", anomalies: [] });
  });
});

describe("every not-met reason word is coded after 未见", () => {
  const cases = NOT_MET_REASONS.flatMap((reason) => reason.words.map((word) => [word, reason.code] as const));
  test.each(cases)("%j → %s", (word, code) => {
    expect(parse(`3 未见 ${word}`)).toMatchObject({
      kind: "visit",
      outcome: "not_met",
      notReason: code,
      anomalies: [],
    });
  });
});

describe("every method word", () => {
  const cases = Object.entries(METHOD_WORDS).flatMap(([method, words]) =>
    words.map((word) => [word, method] as const),
  );
  test.each(cases)("%j → %s", (word, method) => {
    expect(parse(`2 ${word} 正常`)).toMatchObject({ kind: "visit", method, outcome: "normal", note: null });
  });
});

describe("every outcome word", () => {
  const cases = Object.entries(OUTCOME_WORDS).flatMap(([outcome, words]) =>
    words.map((word) => [word, outcome] as const),
  );
  test.each(cases)("%j → %s", (word, outcome) => {
    expect(parse(`2 ${word}`)).toMatchObject({
      kind: "visit",
      targets: { kind: "numbers", numbers: [2] },
      outcome,
      note: null,
    });
  });
});

describe("every everybody word", () => {
  test.each(ALL_TARGET_WORDS.map((word) => [word]))("%j正常", (word) => {
    expect(parse(`${word}正常`)).toMatchObject({
      kind: "visit",
      targets: { kind: "all" },
      outcome: "normal",
    });
  });
});

describe("every small-talk phrase", () => {
  test.each(SMALL_TALK.map((word) => [word]))("%j", (word) => {
    expect(parse(word)).toStrictEqual({ kind: "unknown", reason: "small_talk", understood: {} });
  });
});
