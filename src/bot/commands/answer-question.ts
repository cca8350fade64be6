import type { OutgoingMessage } from "../../channels/outbound-message";
import type { PendingQuestion } from "../../store/conversation-repository";
import type { CommandContext } from "../bot";
import type { ParsedCommand, VisitReport } from "../parse/parsed-command";
import { type ConversationDeps, text } from "./command-context";
import { alertForVisit, recordResolvedVisits } from "./record-visit";

/**
 * Answers to the bot's own questions. Returns null when the message is not an answer (it is then
 * handled as a new command, and the question lapses).
 */
export async function answerQuestion(
  ctx: CommandContext,
  deps: ConversationDeps,
  question: PendingQuestion,
  parsed: ParsedCommand,
  rawText: string,
  sourceKey: string,
): Promise<OutgoingMessage[] | null> {
  const { conversation, visits } = ctx.repos;
  const p = question.payload;
  switch (question.kind) {
    case "choose_subject": {
      if (parsed.kind !== "choose") return null;
      const options = p.options as { id: number; name: string }[];
      const picked = options[parsed.number - 1];
      if (!picked) return [text(ctx, "invalid-number", { example: "1" })];
      await conversation.clearQuestion(ctx.sender.id);
      return recordResolvedVisits(ctx, deps, p.report as unknown as VisitReport, [picked], sourceKey);
    }
    case "confirm_all": {
      if (parsed.kind === "cancel") {
        await conversation.clearQuestion(ctx.sender.id);
        return [text(ctx, "cancelled")];
      }
      if (parsed.kind !== "confirm") return null;
      await conversation.clearQuestion(ctx.sender.id);
      return recordResolvedVisits(
        ctx,
        deps,
        p.report as unknown as VisitReport,
        p.subjects as { id: number; name: string }[],
        String(p.sourceKey),
      );
    }
    case "anomaly_detail":
    case "not_met_reason": {
      // Any free text that is not a command of its own completes the record.
      const isAnswer =
        (parsed.kind === "unknown" &&
          (parsed.reason === "unrecognised" || parsed.reason === "unexpected_words")) ||
        (parsed.kind === "incomplete" && parsed.reason === "missing_target");
      if (!isAnswer) return null;
      const understood =
        parsed.kind === "unknown" || parsed.kind === "incomplete" ? parsed.understood : undefined;
      const detail = rawText.trim().slice(0, 500);
      const visitId = Number(p.visitId);
      const visit = await visits.amend(visitId, {
        note: detail,
        ...(understood?.anomalies && understood.anomalies.length > 0
          ? { anomalies: [...understood.anomalies] }
          : {}),
      });
      await conversation.clearQuestion(ctx.sender.id);
      await ctx.repos.audit.record({
        actor: ctx.sender.userid,
        action: "visit.amend",
        entity: "Visit",
        entityId: visitId,
        at: ctx.now,
      });
      if (question.kind === "not_met_reason") {
        return [text(ctx, "not-met-reason-recorded", { name: String(p.name), detail })];
      }
      // The anomaly is known only now: notify exactly as `2 异常 持刀` in one line would have.
      const alert =
        visit.status === "active"
          ? await alertForVisit(ctx, deps, visit, String(p.name))
          : { names: [], messages: [] };
      return [
        text(ctx, "anomaly-detail-recorded", {
          name: String(p.name),
          detail,
          notified: [...new Set(alert.names)].join("、"),
        }),
        ...alert.messages,
      ];
    }
    default:
      return null;
  }
}
