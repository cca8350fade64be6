/**
 * 周周清 (weekly clear-up): what is still open in a leader's jurisdiction when the Monday report
 * goes out — incidents acknowledged a week ago and not closed, grave anomalies nobody has been
 * back to see, people missed two periods running. The computation is pure (`computeWeeklyClearUp`);
 * `loadWeeklyClearUp` feeds it from the repositories. Days are calendar days (自然日) in BAOBAO_TZ.
 */
import { ANOMALY_LABELS } from "../bot/parse/anomalies";
import type { Category } from "../domain/categories";
import { intervalWindowKey, type MissWindow } from "../domain/close-out-period";
import { graveAnomalies } from "../domain/escalation-ladder";
import { formatDayNumber, type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import { PERIOD_UNITS, periodSpanOfDay, shiftPeriodSpan } from "../domain/periods";
import { loadPolicies } from "../planning/cadence-data";
import type { AcknowledgedOpenIncident } from "../store/incident-repository";
import type {
  ReportAbnormalContactRow,
  ReportContactRow,
  ReportOpenMissRow,
} from "../store/report-repository";
import type { Repos } from "../store/store";

/** An acknowledged incident counts as stale once this many days have passed since 收到. */
export const STALE_ACK_DAYS = 7;

/** How many items each clear-up list shows before "另有N项". */
export const CLEAR_UP_ITEMS_SHOWN = 10;

/** Two consecutive miss windows of one cadence: the latest closed one and the one before it. */
export interface MissWindowPair {
  latest: MissWindow;
  previous: MissWindow;
}

export interface StaleIncidentItem {
  id: number;
  number: string;
  /** The person's name, or null when the incident names nobody (then `summary` says what). */
  person: string | null;
  summary: string;
  unit: string;
  /** Days since it was reported. */
  ageDays: number;
  /** Days since it was acknowledged (at least STALE_ACK_DAYS). */
  acknowledgedDays: number;
  acknowledger: string | null;
}

export interface UnfollowedGraveItem {
  subjectId: number;
  name: string;
  unit: string;
  /** The day of the visit that found the grave anomalies. */
  date: LocalDate;
  cadre: string;
  /** The grave anomalies, in words. */
  anomalies: string[];
  /** Days since that visit. */
  days: number;
}

export interface MissedTwiceItem {
  subjectId: number;
  name: string;
  unit: string;
  /** First day of the earlier missed period and last day of the later one. */
  from: LocalDate;
  to: LocalDate;
}

export interface WeeklyClearUp {
  date: LocalDate;
  incidents: StaleIncidentItem[];
  grave: UnfollowedGraveItem[];
  missed: MissedTwiceItem[];
}

export interface WeeklyClearUpInput {
  /** The local day the clear-up is for (the report's Monday). */
  today: LocalDate;
  tz: string;
  incidents: readonly AcknowledgedOpenIncident[];
  /** Each person's latest contact, where it was abnormal (`listLatestAbnormalContacts`). */
  abnormalContacts: readonly ReportAbnormalContactRow[];
  windows: readonly MissWindowPair[];
  /** Unsatisfied misses of the windows' keys (`listOpenMisses`). */
  misses: readonly ReportOpenMissRow[];
  /** Contacts with the missed people since the earliest latest-window ended (`listContactsSince`). */
  contacts: readonly ReportContactRow[];
}

/**
 * The miss windows whose pairs mean "missed two periods running" as of `today`:
 * - week, month, quarter, year: the period before the one containing `today`, and the one before
 *   that (on a Monday: last week and the week before; last month and the month before …);
 * - every N days (for each N in `intervals`): close-out judges a miss on day E, then again on
 *   E + N while nobody visits, keyed by the N-day window ending on E. A miss judged on E with
 *   today − N ≤ E ≤ today − 1 is the latest (its next judgement has not been closed yet); it pairs
 *   with the window ending on E − N.
 */
export function missWindowPairs(today: LocalDate, intervals: Iterable<number>): MissWindowPair[] {
  const day = toDayNumber(today);
  const pairs: MissWindowPair[] = [];
  for (const unit of PERIOD_UNITS) {
    const latest = shiftPeriodSpan(periodSpanOfDay(unit, day), 1);
    const previous = shiftPeriodSpan(latest, 1);
    pairs.push({ latest: windowOf(latest), previous: windowOf(previous) });
  }
  for (const n of new Set([...intervals].map((i) => Math.max(1, i)))) {
    for (let end = day - n; end <= day - 1; end++) {
      pairs.push({ latest: intervalWindow(end, n), previous: intervalWindow(end - n, n) });
    }
  }
  return pairs;
}

function windowOf(span: { key: string; startDay: number; endDay: number }): MissWindow {
  return { key: span.key, startDay: span.startDay, endDay: span.endDay };
}

function intervalWindow(end: number, n: number): MissWindow {
  return { key: intervalWindowKey(end, n), startDay: end - n + 1, endDay: end };
}

/**
 * What is still open, from rows the repositories read:
 * - incidents acknowledged at least STALE_ACK_DAYS days ago and not closed (closed of any kind,
 *   withdrawn included, is not open), by number;
 * - grave anomalies (the "escalate at once" codes of the person's category, `graveAnomalies`)
 *   found at a person's latest contact: no visit that met the person (any method, by anyone,
 *   `not_met` does not count) has happened since; people under management only;
 * - missed two periods running: an obligation (person and scope — the person, or one guarantor
 *   under the each-guarantor rule) with unsatisfied MissedObligation rows for both windows of a
 *   pair (`missWindowPairs`), and no contact since the later window ended (by that guarantor for
 *   a guarantor's own obligation, by anyone otherwise). Listed once per person.
 * Each list in region-code order (incidents by number).
 */
export function computeWeeklyClearUp(input: WeeklyClearUpInput): WeeklyClearUp {
  const zone = zoneOf(input.tz);
  const today = toDayNumber(input.today);
  const daysSince = (at: Date) => today - zone.dayNumberAt(at);

  const incidents = input.incidents
    .filter((i) => daysSince(i.acknowledgedAt) >= STALE_ACK_DAYS)
    .map((i) => ({
      id: i.id,
      number: `E${i.id}`,
      person: i.subjectName,
      summary: i.summary,
      unit: i.regionName,
      ageDays: daysSince(i.createdAt),
      acknowledgedDays: daysSince(i.acknowledgedAt),
      acknowledger: i.acknowledger?.name ?? null,
    }));

  const grave = input.abnormalContacts.flatMap((c): UnfollowedGraveItem[] => {
    const codes = graveAnomalies(c.category as Category, c.anomalies);
    if (codes.length === 0) return [];
    return [
      {
        subjectId: c.subjectId,
        name: c.subjectName,
        unit: c.regionName,
        date: formatDayNumber(zone.dayNumberAt(c.occurredAt)),
        cadre: c.cadreName,
        anomalies: codes.map((code) => ANOMALY_LABELS[code as keyof typeof ANOMALY_LABELS] ?? code),
        days: daysSince(c.occurredAt),
      },
    ];
  });

  const open = new Set(input.misses.map((m) => `${m.subjectId}|${m.scope}|${m.periodKey}`));
  const contactDays = new Map<number, { cadreId: number; day: number }[]>();
  for (const c of input.contacts) {
    const list = contactDays.get(c.subjectId) ?? [];
    list.push({ cadreId: c.cadreId, day: zone.dayNumberAt(c.occurredAt) });
    contactDays.set(c.subjectId, list);
  }
  const missed = new Map<number, MissedTwiceItem>();
  for (const miss of input.misses) {
    for (const pair of input.windows) {
      if (miss.periodKey !== pair.latest.key) continue;
      if (!open.has(`${miss.subjectId}|${miss.scope}|${pair.previous.key}`)) continue;
      const cadreId = miss.scope.startsWith("cadre:") ? Number(miss.scope.slice("cadre:".length)) : null;
      const seen = (contactDays.get(miss.subjectId) ?? []).some(
        (c) => c.day > pair.latest.endDay && (cadreId === null || c.cadreId === cadreId),
      );
      if (seen) continue;
      const item = {
        subjectId: miss.subjectId,
        name: miss.subjectName,
        unit: miss.regionName,
        from: formatDayNumber(pair.previous.startDay),
        to: formatDayNumber(pair.latest.endDay),
      };
      const earlier = missed.get(miss.subjectId);
      if (!earlier || earlier.to < item.to) missed.set(miss.subjectId, item);
    }
  }
  return { date: input.today, incidents, grave, missed: [...missed.values()] };
}

/** Whether the clear-up has anything to list (the report leaves the section out otherwise). */
export function hasClearUpItems(clearUp: WeeklyClearUp): boolean {
  return clearUp.incidents.length + clearUp.grave.length + clearUp.missed.length > 0;
}

/** The repositories the clear-up reads (all read-only). */
export type ClearUpRepos = Pick<Repos, "incidents" | "reports" | "policies">;

/**
 * Reads what `computeWeeklyClearUp` needs for one jurisdiction (`Region.path` subtree) as of
 * `now`, one query after another (inside a transaction the repositories share one connection).
 */
export async function loadWeeklyClearUp(
  repos: ClearUpRepos,
  tz: string,
  region: { path: string },
  now: Date,
): Promise<WeeklyClearUp> {
  const zone = zoneOf(tz);
  const today = zone.localDateAt(now);
  const todayNumber = toDayNumber(today);
  // Acknowledged on day today − STALE_ACK_DAYS or earlier.
  const acknowledgedBefore = zone.startOfDay(todayNumber - STALE_ACK_DAYS + 1);
  const incidents = await repos.incidents.listAcknowledgedOpen(region.path, acknowledgedBefore);
  const abnormalContacts = await repos.reports.listLatestAbnormalContacts(region.path);
  const policies = await loadPolicies(repos);
  const intervals = policies.flatMap((p) => (p.period === "days" ? [p.intervalDays ?? 1] : []));
  const windows = missWindowPairs(today, intervals);
  const keys = windows.flatMap((w) => [w.latest.key, w.previous.key]);
  const misses = await repos.reports.listOpenMisses(region.path, keys);
  const earliestEnd = Math.min(...windows.map((w) => w.latest.endDay));
  const contacts =
    misses.length > 0
      ? await repos.reports.listContactsSince(
          misses.map((m) => m.subjectId),
          zone.startOfDay(earliestEnd + 1),
        )
      : [];
  return computeWeeklyClearUp({ today, tz, incidents, abnormalContacts, windows, misses, contacts });
}
