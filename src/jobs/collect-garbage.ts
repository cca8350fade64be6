import v8 from "node:v8";
import vm from "node:vm";

/**
 * Runs a full garbage collection now.
 *
 * For batch jobs at a phase boundary: the morning push has just dropped a province's plan
 * (subjects, visits, guarantees — hundreds of megabytes) and is about to build 200,000 cards.
 * V8 sets its next collection point from the heap it saw at the last one, during the plan, and
 * lets the heap grow to several times that; collecting here resets it from the lists alone, so the
 * push stays far below the peak it would otherwise reach (bench/plan.ts measures both). The pause
 * is one stop-the-world collection of what is still alive (about 0.1–0.2 s for a province).
 *
 * `gc` is not exposed without `--expose-gc`; the flag is set at run time the first time (a
 * documented use of `v8.setFlagsFromString`), so no start script needs it.
 */
let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gc = exposed;
    else {
      v8.setFlagsFromString("--expose-gc");
      gc = vm.runInNewContext("gc") as () => void;
    }
  }
  gc();
}
