/**
 * What a withdrawn or corrected visit leaves behind (issue 11 item 2). An incident the visit (or
 * a record it corrected) raised is withdrawn when nobody has acted on it yet: its ladder stops,
 * it no longer counts as open, and everybody notified of it is told once. When somebody already
 * acknowledged it, reported progress or closed it, it stays as it is and those who acted are told
 * that the record behind it is gone: they are the ones handling it (the others' ladder stopped
 * with the acknowledgement, and what to do next is now the handlers' call). A level proposal the
 * visit raised is withdrawn while undecided (its deciders are told); a decided one stays and its
 * decider is told.
 */
import type { Category } from "../../domain/categories";
import { graveAnomalies } from "../../domain/escalation-ladder";
import { LEVEL_LABELS } from "../../domain/labels";
import { tellCadre } from "../../jobs/incident-ladder";
import type { IncidentRow } from "../../store/incident-repository";
import type { LevelProposalRow } from "../../store/level-proposal-repository";
import type { VisitRow } from "../../store/visit-repository";
import type { CommandContext } from "../bot";
import { type IncidentDeps, ladderEnv, levelDeciders } from "./incidents";

/** How the visit went away: withdrawn (`撤销`), or corrected (`更正`) to a non-grave outcome. */
export type VisitChange = { kind: "withdrawn" } | { kind: "corrected"; outcome: string };

/** What happened to what the visit raised, by number, for the cadre's reply. */
export interface Settlement {
  withdrawn: number[];
  kept: number[];
  /** Somebody who acted on a kept incident (or decided a kept proposal) was told. */
  told: boolean;
  proposalsWithdrawn: number[];
  proposalsKept: number[];
}

/** Events that mean somebody acted on an incident. */
const ACTED = ["acknowledged", "progress", "closed"] as const;

/**
 * Settles the incidents and level proposals raised by `visit` or a record it corrected, after
 * `visit` was withdrawn or corrected (`change`). Idempotent: withdrawing is conditional and every
 * notice has its own outbox key, so a repeat sends nothing twice.
 */
export async function settleRaisedByVisit(
  ctx: CommandContext,
  deps: IncidentDeps,
  visit: VisitRow,
  change: VisitChange,
): Promise<Settlement> {
  const out: Settlement = { withdrawn: [], kept: [], told: false, proposalsWithdrawn: [], proposalsKept: [] };
  const subject = await ctx.repos.subjects.findById(visit.subjectId);
  // Only a record that says something grave can have raised anything (or joined what an earlier
  // record raised): withdrawing a correction to 正常 is no news to anybody.
  if (!subject || visit.outcome !== "abnormal") return out;
  if (graveAnomalies(subject.category as Category, visit.anomalies).length === 0) return out;
  const name = subject.name;
  const ids = (await ctx.repos.visits.correctionChain(visit.id)).map((v) => v.id);
  const corrected = change.kind === "corrected" ? change.outcome : null;
  for (const { incident } of await ctx.repos.incidents.listRaisedFromVisits(ids)) {
    if (await withdrawIncident(ctx, deps, incident, visit, corrected)) out.withdrawn.push(incident.id);
    else {
      out.kept.push(incident.id);
      if (await tellHandlers(ctx, deps, incident, visit, name, corrected)) out.told = true;
    }
  }
  for (const proposal of await ctx.repos.levelProposals.listRaisedFromVisits(ids)) {
    if (await withdrawProposal(ctx, deps, proposal, name, corrected))
      out.proposalsWithdrawn.push(proposal.id);
    else {
      out.proposalsKept.push(proposal.id);
      if (await tellDecider(ctx, deps, proposal, visit, name, corrected)) out.told = true;
    }
  }
  return out;
}

/** The sentence the withdrawing or correcting cadre reads about it ("" when nothing was raised). */
export function renderSettlement(ctx: CommandContext, s: Settlement): string {
  const list = (prefix: string, numbers: number[]) => numbers.map((n) => `${prefix}${n}`).join("、");
  return ctx.templates.render("visit-raised-settled", {
    withdrawn: list("E", s.withdrawn),
    kept: list("E", s.kept),
    proposalsWithdrawn: list("P", s.proposalsWithdrawn),
    proposalsKept: list("P", s.proposalsKept),
    told: s.told,
  });
}

/** Withdraws an incident nobody acted on and tells everybody notified; false when somebody did. */
async function withdrawIncident(
  ctx: CommandContext,
  deps: IncidentDeps,
  incident: IncidentRow,
  visit: VisitRow,
  corrected: string | null,
): Promise<boolean> {
  const { incidents } = ctx.repos;
  if (!(await incidents.withdraw(incident.id, ctx.now))) return false;
  await incidents.addEvent(
    incident.id,
    "withdrawn",
    ctx.sender.id,
    ctx.templates.render("incident-withdrawn-note", { corrected }),
    ctx.now,
  );
  const notified = (await incidents.listNotified(incident.id)).filter((c) => c.id !== ctx.sender.id);
  for (const c of notified) {
    await tellCadre(
      ladderEnv(ctx, deps),
      `incident:${incident.id}:withdrawn:${c.id}`,
      c.userid,
      "incident-withdrawn-notify",
      {
        number: incident.id,
        corrected,
      },
    );
  }
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "incident.withdraw",
    entity: "Incident",
    entityId: incident.id,
    detail: { visitId: visit.id, corrected: corrected !== null, told: notified.map((c) => c.id) },
    at: ctx.now,
  });
  return true;
}

/** An incident somebody acted on stays; they are told its record is gone. True when anybody was told. */
async function tellHandlers(
  ctx: CommandContext,
  deps: IncidentDeps,
  incident: IncidentRow,
  visit: VisitRow,
  name: string,
  corrected: string | null,
): Promise<boolean> {
  const { incidents } = ctx.repos;
  await incidents.addEvent(
    incident.id,
    "source_withdrawn",
    ctx.sender.id,
    ctx.templates.render("incident-withdrawn-note", { corrected }),
    ctx.now,
  );
  const handlers = (await incidents.listEventCadres(incident.id, ACTED)).filter(
    (c) => c.id !== ctx.sender.id,
  );
  for (const c of handlers) {
    await tellCadre(
      ladderEnv(ctx, deps),
      `incident:${incident.id}:source-withdrawn:${visit.id}:${c.id}`,
      c.userid,
      "incident-source-withdrawn",
      {
        number: incident.id,
        reporter: ctx.sender.name,
        name,
        corrected,
        closed: incident.status === "closed",
      },
    );
  }
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "incident.source_withdrawn",
    entity: "Incident",
    entityId: incident.id,
    detail: { visitId: visit.id, corrected: corrected !== null, told: handlers.map((c) => c.id) },
    at: ctx.now,
  });
  return handlers.length > 0;
}

/** Withdraws an undecided proposal and tells its deciders; false when it was decided already. */
async function withdrawProposal(
  ctx: CommandContext,
  deps: IncidentDeps,
  proposal: LevelProposalRow,
  name: string,
  corrected: string | null,
): Promise<boolean> {
  if (!(await ctx.repos.levelProposals.withdraw(proposal.id, ctx.now))) return false;
  const subject = await ctx.repos.levelProposals.findSubject(proposal.subjectId);
  // The same rule that picked who was asked to decide picks who is told it is off.
  const deciders = subject ? (await levelDeciders(ctx, subject)).filter((d) => d.id !== ctx.sender.id) : [];
  for (const d of deciders) {
    await tellCadre(
      ladderEnv(ctx, deps),
      `level:${proposal.id}:withdrawn:${d.id}`,
      d.userid,
      "level-withdrawn-notify",
      {
        number: proposal.id,
        name,
        corrected,
      },
    );
  }
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "level.withdraw",
    entity: "LevelProposal",
    entityId: proposal.id,
    detail: { visitId: proposal.visitId, corrected: corrected !== null, told: deciders.map((d) => d.id) },
    at: ctx.now,
  });
  return true;
}

/** A decided proposal stays; its decider is told. True when anybody was told. */
async function tellDecider(
  ctx: CommandContext,
  deps: IncidentDeps,
  proposal: LevelProposalRow,
  visit: VisitRow,
  name: string,
  corrected: string | null,
): Promise<boolean> {
  const decider = proposal.deciderId ? await ctx.repos.cadres.findById(proposal.deciderId) : null;
  const told = decider !== null && decider.id !== ctx.sender.id;
  if (told) {
    const subject = await ctx.repos.levelProposals.findSubject(proposal.subjectId);
    const labels = subject ? LEVEL_LABELS[subject.category as Category] : {};
    await tellCadre(
      ladderEnv(ctx, deps),
      `level:${proposal.id}:source-withdrawn:${visit.id}:${decider.id}`,
      decider.userid,
      "level-source-withdrawn",
      {
        number: proposal.id,
        name,
        corrected,
        confirmed: proposal.status === "confirmed",
        to: labels[proposal.toLevel] ?? proposal.toLevel,
        from: labels[proposal.fromLevel] ?? proposal.fromLevel,
      },
    );
  }
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "level.source_withdrawn",
    entity: "LevelProposal",
    entityId: proposal.id,
    detail: { visitId: visit.id, corrected: corrected !== null, told: told && decider ? [decider.id] : [] },
    at: ctx.now,
  });
  return told;
}
