import type { OutboxOutcome, OutboxRepository } from "../store/outbox-repository";

export interface OutcomeWriter {
  /**
   * Records one attempt's outcome; resolves once it is committed: true when recorded, false when
   * the lease had moved on. Rejects when the database refused it (the row stays `sending` and is
   * reclaimed after its lease, as when the process dies).
   */
  write(outcome: OutboxOutcome): Promise<boolean>;
}

interface Waiting {
  outcome: OutboxOutcome;
  resolve: (recorded: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the worker's outcomes: sends that finish in the same turn of the event loop,
 * or while the previous UPDATE runs, are recorded by one statement (`markOutcomes`) instead of one
 * statement and commit each. Nothing about the guarantee changes: each outcome is still
 * conditional on the lease, and each send's caller learns its result only after its row is
 * committed, so the worker frees the slot and finishes the round exactly as before, a few
 * milliseconds later at most. If a shared UPDATE fails, its outcomes are retried one by one, so an
 * outcome the database refuses fails alone.
 */
export function createOutcomeWriter(
  repo: Pick<OutboxRepository, "markOutcomes">,
  workerId: string,
  opts: { maxBatch?: number } = {},
): OutcomeWriter {
  const maxBatch = Math.max(1, opts.maxBatch ?? 500);
  const waiting: Waiting[] = [];
  let writing = false;
  let scheduled = false;

  async function writeBatch(batch: Waiting[]): Promise<void> {
    try {
      const recorded = await repo.markOutcomes(
        batch.map((w) => w.outcome),
        workerId,
      );
      for (const w of batch) w.resolve(recorded.has(w.outcome.id));
      return;
    } catch (err) {
      const [only] = batch;
      if (batch.length === 1 && only) return only.reject(err);
    }
    for (const w of batch) {
      try {
        w.resolve((await repo.markOutcomes([w.outcome], workerId)).has(w.outcome.id));
      } catch (err) {
        w.reject(err);
      }
    }
  }

  function flush(): void {
    scheduled = false;
    if (writing || waiting.length === 0) return;
    // A message appears at most once per statement (a later outcome for it waits for the next).
    const ids = new Set<number>();
    let n = 0;
    while (n < waiting.length && n < maxBatch) {
      const id = (waiting[n] as Waiting).outcome.id;
      if (ids.has(id)) break;
      ids.add(id);
      n++;
    }
    const batch = waiting.splice(0, n);
    writing = true;
    void writeBatch(batch).finally(() => {
      writing = false;
      flush();
    });
  }

  return {
    write(outcome) {
      return new Promise<boolean>((resolve, reject) => {
        waiting.push({ outcome, resolve, reject });
        // Sends that finished in the same turn of the event loop share a statement.
        if (!scheduled && !writing) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
