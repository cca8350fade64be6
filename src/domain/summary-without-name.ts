/**
 * An incident's summary without the person's name it may start with: `紧急 张三 持刀` is stored
 * as `张三 持刀`, a visit-raised one as `打砸伤人`. Wherever the person is shown next to it (the
 * notification card, the leader's summary) the name is shown once, by the caller.
 */
export function summaryWithoutName(summary: string, name: string | null): string {
  if (!name || !summary.startsWith(name)) return summary;
  return summary.slice(name.length).trim() || summary;
}
