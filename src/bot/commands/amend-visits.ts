import type { OutgoingMessage } from "../../channels/outbound-message";
import type { CommandContext } from "../bot";
import type { VisitReport } from "../parse/parsed-command";
import {
  type ConversationDeps,
  exampleFor,
  formatDay,
  localToday,
  OUTCOME_LABELS,
  text,
} from "./command-context";
import { recordResolvedVisits, targetProblem } from "./record-visit";
import { resolveTargets } from "./resolve-targets";
import { renderSettlement, settleRaisedByVisit } from "./settle-raised";
import { settleMisses } from "./settle-misses";

const WITHDRAW_WINDOW_MS = 30 * 60_000;

/** `撤销` / `撤销 2`: withdraw the sender's last record (for that list number) within 30 minutes. */
export async function withdrawVisit(
  ctx: CommandContext,
  deps: ConversationDeps,
  n: number | null,
): Promise<OutgoingMessage[]> {
  let subjectId: number | undefined;
  if (n !== null) {
    const resolved = await resolveTargets(ctx, { kind: "numbers", numbers: [n] }, ctx.now);
    const problem = await targetProblem(ctx, resolved);
    if (problem || resolved.kind !== "ok") return problem ? [problem] : [];
    subjectId = resolved.subjects[0]!.id;
  }
  const recent = await ctx.repos.visits.listRecentByCadre(
    ctx.sender.id,
    new Date(ctx.now.getTime() - WITHDRAW_WINDOW_MS),
    subjectId,
  );
  const last = recent[0];
  if (!last) return [text(ctx, "nothing-to-withdraw")];
  await ctx.repos.visits.withdraw(last.id, ctx.now);
  // A withdrawn late entry no longer satisfies the miss it settled (unless other visits do).
  await settleMisses(ctx.repos, {
    subjectId: last.subjectId,
    date: localToday(last.occurredAt, deps.tz),
    now: ctx.now,
    tz: deps.tz,
    removedVisitId: last.id,
  });
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "visit.withdraw",
    entity: "Visit",
    entityId: last.id,
    at: ctx.now,
  });
  // An incident or a level proposal the record raised goes with it, unless somebody acted on it.
  const settled = await settleRaisedByVisit(ctx, deps, last, { kind: "withdrawn" });
  const subject = await ctx.repos.subjects.findById(last.subjectId);
  return [
    text(ctx, "withdrawn", {
      name: subject?.name ?? "",
      outcome: OUTCOME_LABELS[last.outcome],
      date: formatDay(localToday(last.occurredAt, deps.tz)),
      settled: renderSettlement(ctx, settled),
    }),
  ];
}

/** `更正 2 异常 …`: replace the sender's last record for that person with this one. */
export async function correctVisit(
  ctx: CommandContext,
  deps: ConversationDeps,
  report: VisitReport,
  sourceKey: string,
): Promise<OutgoingMessage[]> {
  const resolved = await resolveTargets(ctx, report.targets, ctx.now);
  const problem = await targetProblem(ctx, resolved);
  if (problem || resolved.kind !== "ok") return problem ? [problem] : [];
  if (resolved.subjects.length !== 1) {
    return [text(ctx, "multiple-visits", { example: `更正 ${await exampleFor(ctx)}` })];
  }
  const subject = resolved.subjects[0]!;
  const last = await ctx.repos.visits.findLatest(ctx.sender.id, subject.id);
  if (!last) return [text(ctx, "nothing-to-correct", { name: subject.name, example: await exampleFor(ctx) })];
  // A correction keeps the original date unless the message names another one.
  const date =
    report.date === localToday(ctx.now, deps.tz) ? localToday(last.occurredAt, deps.tz) : report.date;
  return recordResolvedVisits(ctx, deps, { ...report, date }, [subject], sourceKey, { corrects: last });
}
