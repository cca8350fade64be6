import type { InboundRepository, NewInbound, RecordedInbound } from "./inbound-repository";

export interface InboundRecorder {
  /** Stores one message; resolves once its row is committed (or rejects when it cannot be). */
  record(input: NewInbound): Promise<RecordedInbound>;
  /** True while a message waits to be written or is being written. */
  busy(): boolean;
  /** How long (ms) the longest-waiting unfinished message has waited; 0 when none. */
  longestWaitMs(): number;
}

interface Waiting {
  input: NewInbound;
  /** performance.now() when it was handed over (a duration, not a time of day). */
  since: number;
  resolve: (r: RecordedInbound) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the callback's one write: messages that arrive while an INSERT is under way
 * (or in the same turn of the event loop) are stored together by the next one, so under load a
 * statement and a commit serve many callbacks instead of one each. A lone message is written at
 * once. Each caller learns its own result only after its row is committed, so an acknowledgement
 * never gets ahead of the stored message. If a shared INSERT fails, its messages are retried one
 * by one, so a message the database refuses fails alone.
 */
export function createInboundRecorder(
  repo: Pick<InboundRepository, "recordMany">,
  opts: { maxBatch?: number; concurrency?: number } = {},
): InboundRecorder {
  const maxBatch = Math.max(1, opts.maxBatch ?? 200);
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const waiting: Waiting[] = [];
  let writing = 0;
  /** Batches being written, oldest first. */
  const inFlight = new Set<Waiting[]>();
  let scheduled = false;

  async function write(batch: Waiting[]): Promise<void> {
    try {
      const results = await repo.recordMany(batch.map((w) => w.input));
      batch.forEach((w, i) => {
        const r = results[i];
        if (r) w.resolve(r);
        else w.reject(new Error("inbound: no result for a stored message"));
      });
      return;
    } catch (err) {
      const [only] = batch;
      if (batch.length === 1 && only) return only.reject(err);
    }
    await Promise.all(
      batch.map(async (w) => {
        try {
          const [r] = await repo.recordMany([w.input]);
          if (r) w.resolve(r);
          else w.reject(new Error("inbound: no result for a stored message"));
        } catch (err) {
          w.reject(err);
        }
      }),
    );
  }

  function flush(): void {
    scheduled = false;
    while (writing < concurrency && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      writing++;
      inFlight.add(batch);
      void write(batch).finally(() => {
        writing--;
        inFlight.delete(batch);
        flush();
      });
    }
  }

  return {
    busy: () => waiting.length > 0 || writing > 0,
    longestWaitMs() {
      const oldest = inFlight.values().next().value?.[0] ?? waiting[0];
      return oldest ? performance.now() - oldest.since : 0;
    },
    record(input) {
      return new Promise<RecordedInbound>((resolve, reject) => {
        waiting.push({ input, since: performance.now(), resolve, reject });
        // Callbacks whose bodies were read in the same turn of the event loop share a statement.
        if (!scheduled && writing < concurrency) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
