import type { OutgoingMessage } from "../../channels/outbound-message";
import { isLateEntryAllowed } from "../../domain/periods";
import { resolvePolicy } from "../../domain/policy";
import type { VisitRow } from "../../store/visit-repository";
import type { CommandContext } from "../bot";
import { ANOMALY_LABELS, type AnomalyCode } from "../parse/anomalies";
import { NOT_MET_REASON_LABELS, type NotMetReason } from "../parse/not-met-reasons";
import type { VisitReport } from "../parse/parsed-command";
import {
  type ConversationDeps,
  exampleFor,
  formatDay,
  localToday,
  METHOD_LABELS,
  OUTCOME_LABELS,
  occurredAtFor,
  startOfLocalDay,
  text,
} from "./command-context";
import { raiseFromVisit } from "./incidents";
import { type ResolvedTargets, resolveTargets } from "./resolve-targets";
import { renderSettlement, settleRaisedByVisit } from "./settle-raised";
import { settleMisses } from "./settle-misses";
import { hasWecomAccount } from "../../domain/wecom-account";

const DUPLICATE_WINDOW_MS = 10 * 60_000;
const QUESTION_TTL_MS = 30 * 60_000;
/** `全部正常` asks to confirm when it would record more people than this. */
export const CONFIRM_ALL_ABOVE = 5;

/** Anomalies serious enough that the village leader hears of an abnormal visit at once. */
const NOTIFY_LEADER = new Set<string>([
  "violence",
  "self_harm",
  "threat",
  "lost_contact",
  "relapse",
  "suspected_abuse",
  "suspected_crime",
  "left_unreported",
  "emotional_agitation",
  "off_medication",
]);

/**
 * Whether an earlier record says the same thing as a new report about the same person: the same
 * visit date, outcome, method and anomalies (as a set). Only that is a repeat; a graver second
 * report, or one about another day, is news (issue 11).
 */
function saysTheSame(visit: VisitRow, report: VisitReport, tz: string): boolean {
  const a = new Set(visit.anomalies);
  const b = new Set<string>(report.anomalies);
  return (
    localToday(visit.occurredAt, tz) === report.date &&
    visit.outcome === report.outcome &&
    visit.method === report.method &&
    a.size === b.size &&
    [...a].every((x) => b.has(x))
  );
}

export function describeOutcome(outcome: VisitRow["outcome"], anomalies: readonly string[]): string {
  const words = anomalies.map((a) => ANOMALY_LABELS[a as AnomalyCode] ?? a);
  return words.length > 0 && outcome === "abnormal"
    ? `${OUTCOME_LABELS[outcome]}（${words.join("、")}）`
    : OUTCOME_LABELS[outcome];
}

/** The reply for targets that could not be resolved, or null when they were. */
export async function targetProblem(
  ctx: CommandContext,
  resolved: ResolvedTargets,
): Promise<OutgoingMessage | null> {
  const example = await exampleFor(ctx);
  switch (resolved.kind) {
    case "ok":
      return null;
    case "no_list":
      return text(ctx, "no-list");
    case "out_of_range":
      return text(ctx, "number-out-of-range", {
        numbers: resolved.numbers.join("、"),
        count: resolved.count,
        example,
      });
    case "not_found":
      return text(ctx, "subject-not-found", { name: resolved.name, example });
    case "not_guarantor":
      return text(ctx, "not-guarantor", { name: resolved.name });
    case "ambiguous":
      return text(ctx, "ambiguous-name", {
        name: resolved.name,
        count: resolved.options.length,
        options: resolved.options.map((o, i) => ({
          n: i + 1,
          label: `${o.name}（${o.regionName}${o.birthYear ? `，${o.birthYear}年生` : ""}）`,
        })),
      });
  }
}

async function lateEntryAllowed(
  ctx: CommandContext,
  deps: ConversationDeps,
  subjectId: number,
  date: string,
) {
  if (date === localToday(ctx.now, deps.tz)) return true;
  const pc = await ctx.repos.conversation.policyContext(subjectId);
  const policy = pc ? resolvePolicy(pc.policies, pc.subject, pc.ancestors) : undefined;
  // Every-N-days cadences have no calendar period: the previous month is the bound.
  const unit = !policy || policy.period === "days" ? "month" : policy.period;
  return isLateEntryAllowed(unit, date, ctx.now, deps.tz);
}

/** Notifies the village leaders covering the subject of a serious abnormal visit; their names. */
async function notifyLeaders(
  ctx: CommandContext,
  tz: string,
  visit: VisitRow,
  subjectName: string,
): Promise<{ names: string[]; messages: OutgoingMessage[] }> {
  if (visit.outcome !== "abnormal" || !visit.anomalies.some((a) => NOTIFY_LEADER.has(a)))
    return { names: [], messages: [] };
  const subject = await ctx.repos.subjects.findById(visit.subjectId);
  if (!subject) return { names: [], messages: [] };
  const region = await ctx.repos.regions.findById(subject.regionId);
  // A leader without a WeCom account yet (`pending:<mobile>`) cannot be told.
  const leaders = (await ctx.repos.incidents.cadresCovering(subject.regionId, ["village_leader"])).filter(
    (c) => c.id !== ctx.sender.id && hasWecomAccount(c.userid),
  );
  const words = visit.anomalies.map((a) => ANOMALY_LABELS[a as AnomalyCode] ?? a).join("、");
  // `2 异常 情绪激动`: the note is the anomaly's own word; say it once.
  const detail = [words, visit.note === words ? "" : (visit.note ?? "")].filter(Boolean).join("；");
  return {
    names: leaders.map((l) => l.name),
    messages: leaders.map((l) => ({
      kind: "text" as const,
      to: l.userid,
      text: ctx.templates.render("abnormal-visit-notify", {
        reporter: ctx.sender.name,
        name: subjectName,
        region: region?.name ?? "",
        outcome: OUTCOME_LABELS.abnormal,
        detail,
        date: formatDay(localToday(visit.occurredAt, tz)),
      }),
    })),
  };
}

/**
 * What an abnormal visit sets off, the same however it reached its final form (one line, the
 * answer to the follow-up question, a correction): a grave anomaly for the person's category is
 * an urgent incident with a ladder and a level proposal (issue 6) — for a correction, the open
 * incident its earlier record raised for the same anomaly instead of a second one; another
 * serious anomaly is a notice to the village leaders. A correction to an outcome that is not
 * grave settles what the corrected record raised (issue 11): `settled` is the sentence for the
 * reply. The names told and the extra messages.
 */
export async function alertForVisit(
  ctx: CommandContext,
  deps: ConversationDeps,
  visit: VisitRow,
  subjectName: string,
  opts: { corrects?: VisitRow } = {},
): Promise<{ names: string[]; messages: OutgoingMessage[]; settled?: string }> {
  const raised = await raiseFromVisit(ctx, deps, visit, { correctsId: opts.corrects?.id });
  if (raised) return raised;
  const settled = opts.corrects
    ? renderSettlement(
        ctx,
        await settleRaisedByVisit(ctx, deps, opts.corrects, {
          kind: "corrected",
          outcome: describeOutcome(visit.outcome, visit.anomalies),
        }),
      )
    : "";
  return { ...(await notifyLeaders(ctx, deps.tz, visit, subjectName)), settled };
}

/**
 * Records one visit report for one or more resolved subjects and builds the replies: a one-line
 * confirmation, or one follow-up question when an abnormal visit has no detail or a not-met visit
 * no reason. `sourceKey` makes a redelivered message record nothing twice.
 */
export async function recordResolvedVisits(
  ctx: CommandContext,
  deps: ConversationDeps,
  report: VisitReport,
  subjects: { id: number; name: string }[],
  sourceKey: string,
  opts: { corrects?: VisitRow } = {},
): Promise<OutgoingMessage[]> {
  const { visits } = ctx.repos;
  const occurredAt = occurredAtFor(report.date, ctx.now, deps.tz);
  for (const s of subjects) {
    if (!(await lateEntryAllowed(ctx, deps, s.id, report.date))) {
      return [text(ctx, "late-entry-too-old", { date: formatDay(report.date) })];
    }
  }
  const recorded: { visit: VisitRow; name: string }[] = [];
  const duplicates: string[] = [];
  for (const s of subjects) {
    if (!opts.corrects) {
      const recent = await visits.listRecentByCadre(
        ctx.sender.id,
        new Date(ctx.now.getTime() - DUPLICATE_WINDOW_MS),
        s.id,
      );
      if (recent.some((v) => saysTheSame(v, report, deps.tz))) {
        duplicates.push(s.name);
        continue;
      }
    } else {
      await visits.supersede(opts.corrects.id);
    }
    const note =
      report.note ?? (report.notReason ? NOT_MET_REASON_LABELS[report.notReason as NotMetReason] : "");
    const visit = await visits.create({
      subjectId: s.id,
      cadreId: ctx.sender.id,
      occurredAt,
      method: report.method,
      outcome: report.outcome,
      anomalies: [...report.anomalies],
      note: note || null,
      sourceMessageId: `${sourceKey}:${s.id}`,
      correctsId: opts.corrects?.id ?? null,
      createdAt: ctx.now,
    });
    if (!visit) continue;
    recorded.push({ visit, name: s.name });
    // A late entry can satisfy a miss close-out recorded; the record a correction replaces no
    // longer satisfies any (the settling recounts both dates when the correction moved it).
    const oldDate = opts.corrects ? localToday(opts.corrects.occurredAt, deps.tz) : null;
    if (opts.corrects && oldDate !== null) {
      await settleMisses(ctx.repos, {
        subjectId: s.id,
        date: oldDate,
        now: ctx.now,
        tz: deps.tz,
        visitId: visit.id,
        removedVisitId: opts.corrects.id,
      });
    }
    if (report.date !== oldDate) {
      await settleMisses(ctx.repos, {
        subjectId: s.id,
        date: report.date,
        now: ctx.now,
        tz: deps.tz,
        visitId: visit.id,
      });
    }
  }
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: opts.corrects ? "visit.correct" : "visit.record",
    entity: "Visit",
    entityId: recorded.map((r) => r.visit.id).join(","),
    at: ctx.now,
  });
  const replies: OutgoingMessage[] = [];
  if (duplicates.length > 0) replies.push(text(ctx, "visit-duplicate", { name: duplicates.join("、") }));
  if (recorded.length === 0) return replies;

  const date = formatDay(report.date);
  const first = recorded[0]!;
  if (recorded.length === 1 && !opts.corrects) {
    if (report.outcome === "abnormal" && report.anomalies.length === 0 && !report.note) {
      await ctx.repos.conversation.ask(ctx.sender.id, {
        kind: "anomaly_detail",
        payload: { visitId: first.visit.id, name: first.name },
        expiresAt: new Date(ctx.now.getTime() + QUESTION_TTL_MS),
      });
      return [
        ...replies,
        text(ctx, "ask-anomaly-detail", { name: first.name, method: METHOD_LABELS[report.method], date }),
      ];
    }
    if (report.outcome === "not_met" && !report.notReason && !report.note) {
      await ctx.repos.conversation.ask(ctx.sender.id, {
        kind: "not_met_reason",
        payload: { visitId: first.visit.id, name: first.name },
        expiresAt: new Date(ctx.now.getTime() + QUESTION_TTL_MS),
      });
      return [...replies, text(ctx, "ask-not-met-reason", { name: first.name, date })];
    }
  }
  const notified: string[] = [];
  const extra: OutgoingMessage[] = [];
  const settled: string[] = [];
  for (const r of recorded) {
    const n = await alertForVisit(ctx, deps, r.visit, r.name, { corrects: opts.corrects });
    notified.push(...n.names);
    extra.push(...n.messages);
    if (n.settled) settled.push(n.settled);
  }
  const view = {
    names: recorded.map((r) => r.name).join("、"),
    method: METHOD_LABELS[report.method],
    outcome: describeOutcome(report.outcome, report.anomalies),
    date,
    notified: [...new Set(notified)].join("、"),
    settled: settled.join(""),
  };
  return [...replies, text(ctx, opts.corrects ? "corrected" : "visit-recorded", view), ...extra];
}

/** `<who> [<how>] <outcome> …`: resolve, confirm `全部正常` when large, record. */
export async function recordVisit(
  ctx: CommandContext,
  deps: ConversationDeps,
  report: VisitReport,
  sourceKey: string,
): Promise<OutgoingMessage[]> {
  const resolved = await resolveTargets(ctx, report.targets, occurredAtFor(report.date, ctx.now, deps.tz));
  if (resolved.kind === "ambiguous") {
    await ctx.repos.conversation.ask(ctx.sender.id, {
      kind: "choose_subject",
      payload: {
        report: report as unknown as Record<string, unknown>,
        options: resolved.options.map((o) => ({ id: o.id, name: o.name })),
      },
      expiresAt: new Date(ctx.now.getTime() + QUESTION_TTL_MS),
    });
  }
  const problem = await targetProblem(ctx, resolved);
  if (problem || resolved.kind !== "ok") return problem ? [problem] : [];
  let subjects = resolved.subjects;
  if (report.targets.kind === "all") {
    const startOfToday = startOfLocalDay(ctx.now, deps.tz);
    const done = await ctx.repos.visits.listRecentByCadre(ctx.sender.id, startOfToday);
    subjects = subjects.filter((s) => !done.some((v) => v.subjectId === s.id));
    if (subjects.length === 0) return [text(ctx, "nothing-left")];
    if (subjects.length > CONFIRM_ALL_ABOVE) {
      await ctx.repos.conversation.ask(ctx.sender.id, {
        kind: "confirm_all",
        payload: { report: report as unknown as Record<string, unknown>, subjects, sourceKey },
        expiresAt: new Date(ctx.now.getTime() + QUESTION_TTL_MS),
      });
      return [
        text(ctx, "confirm-all", { count: subjects.length, names: subjects.map((s) => s.name).join("、") }),
      ];
    }
  }
  return recordResolvedVisits(ctx, deps, report, subjects, sourceKey);
}
