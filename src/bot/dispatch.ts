import type { OutgoingMessage } from "../channels/outbound-message";
import { storableText } from "../wecom/storable-text";
import type { CommandContext, Dispatcher } from "./bot";
import { correctVisit, withdrawVisit } from "./commands/amend-visits";
import { answerQuestion } from "./commands/answer-question";
import { attachMedia } from "./commands/attach-media";
import { clickCard } from "./commands/click-card";
import { type ConversationDeps, exampleFor, formatDay, localToday, text } from "./commands/command-context";
import {
  acknowledgeIncident,
  clickIncidentCard,
  decideLevel,
  isIncidentCardKey,
  reportIncident,
  updateIncident,
} from "./commands/incidents";
import { sendOverdue, sendStats } from "./commands/leader-commands";
import { recordVisit } from "./commands/record-visit";
import { sendHelp } from "./commands/send-help";
import { sendTasks } from "./commands/send-tasks";
import { sendWeek } from "./commands/send-week";
import { parseMessage } from "./parse/parse-message";
import type { ParsedCommand } from "./parse/parsed-command";

/** Long messages are quoted back shortened. */
function quote(s: string): string {
  const t = s.trim().replace(/\s+/g, " ");
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

async function replyIncomplete(
  ctx: CommandContext,
  parsed: Extract<ParsedCommand, { kind: "incomplete" }>,
  raw: string,
): Promise<OutgoingMessage[]> {
  const example = await exampleFor(ctx);
  switch (parsed.reason) {
    case "missing_outcome":
      return [text(ctx, "missing-outcome", { text: quote(raw), example })];
    case "missing_target":
      return [text(ctx, "missing-target", { text: quote(raw), example })];
    case "future_date":
      return [
        text(ctx, "future-date", {
          date: parsed.understood.date ? formatDay(parsed.understood.date) : quote(raw),
          example,
        }),
      ];
    case "invalid_date":
      return [text(ctx, "invalid-date", { example })];
    case "invalid_number":
      return [text(ctx, "invalid-number", { example })];
    case "range_too_large":
      return [text(ctx, "range-too-large", { example })];
    case "missing_incident_text":
      return [text(ctx, "incident-missing-text")];
    case "missing_incident_number":
      return [
        text(ctx, "incident-missing-number", { command: parsed.command === "close" ? "结案" : "处理" }),
      ];
    case "missing_level_decision":
      return [text(ctx, "level-missing-decision")];
  }
}

async function replyUnknown(
  ctx: CommandContext,
  parsed: Extract<ParsedCommand, { kind: "unknown" }>,
  raw: string,
): Promise<OutgoingMessage[]> {
  const example = await exampleFor(ctx);
  switch (parsed.reason) {
    case "small_talk":
    case "empty":
      return [text(ctx, "small-talk", { example })];
    case "multiple_visits":
      return [text(ctx, "multiple-visits", { example })];
    case "unexpected_words":
      return parsed.understood.extra
        ? [
            text(ctx, "unexpected-words", {
              text: quote(raw),
              extra: quote(parsed.understood.extra),
              example,
            }),
          ]
        : [text(ctx, "unknown", { text: quote(raw), example })];
    case "unrecognised":
      return [text(ctx, "unknown", { text: quote(raw), example })];
  }
}

async function handleText(
  ctx: CommandContext,
  deps: ConversationDeps,
  input: string,
  key: string,
): Promise<OutgoingMessage[]> {
  const raw = storableText(input);
  const parsed = parseMessage(raw, { today: localToday(ctx.now, deps.tz) });
  const question = await ctx.repos.conversation.pendingQuestion(ctx.sender.id, ctx.now);
  if (question) {
    const answered = await answerQuestion(ctx, deps, question, parsed, raw, key);
    if (answered) return answered;
    // Anything else is a new command; the question lapses.
    await ctx.repos.conversation.clearQuestion(ctx.sender.id);
  }
  switch (parsed.kind) {
    case "visit":
      return recordVisit(ctx, deps, parsed, key);
    case "correct":
      return correctVisit(ctx, deps, parsed, key);
    case "withdraw":
      return withdrawVisit(ctx, deps, parsed.number);
    case "tasks":
      return sendTasks(ctx, deps, key);
    case "week":
      return sendWeek(ctx, deps);
    case "help":
      return sendHelp(ctx);
    case "stats":
      return sendStats(ctx, deps);
    case "overdue":
      return sendOverdue(ctx, deps);
    case "incident":
      return reportIncident(ctx, deps, parsed, key);
    case "ack":
      return acknowledgeIncident(ctx, deps, parsed.incidentNumber);
    case "progress":
    case "close":
      return updateIncident(ctx, deps, parsed.kind, parsed.incidentNumber, parsed.note);
    case "level":
      return decideLevel(ctx, parsed.proposalNumber, parsed.decision);
    case "choose":
      return [text(ctx, "choose-nothing", { n: parsed.number })];
    case "confirm":
    case "cancel":
      return [text(ctx, "nothing-to-confirm")];
    case "incomplete":
      return replyIncomplete(ctx, parsed, raw);
    case "unknown":
      return replyUnknown(ctx, parsed, raw);
  }
}

/**
 * Routes a known sender's message or event to a command. Every path answers (or, for
 * subscribe/enter/leave events, deliberately stays quiet).
 */
export function createDispatcher(deps: ConversationDeps): Dispatcher {
  return async (ctx) => {
    const key = `${ctx.envelope.channel}:${ctx.envelope.inboundId}`;
    const { event } = ctx;
    switch (event.type) {
      case "text":
        return handleText(ctx, deps, event.content, key);
      case "template_card_event":
        return isIncidentCardKey(event.eventKey)
          ? clickIncidentCard(ctx, deps, event)
          : clickCard(ctx, deps, event, key);
      case "image":
      case "location":
        return attachMedia(ctx, deps, event);
      case "click":
        return event.eventKey === "tasks" ? sendTasks(ctx, deps, key) : sendHelp(ctx);
      case "enter_agent":
      case "subscribe":
      case "unsubscribe":
        return [];
      default:
        return [
          text(ctx, "unsupported-message", {
            voice: event.type === "voice",
            video: event.type === "video",
            link: event.type === "link",
            other: !["voice", "video", "link"].includes(event.type),
          }),
        ];
    }
  };
}
