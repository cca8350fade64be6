/**
 * Asks WeCom, one member at a time, whether each cadre's userid exists and is visible to the app
 * (user/get: it sends nothing to anyone). Paced, and a busy or rate-limited answer is retried
 * after a pause rather than hammered.
 */
import type { GetMemberResult } from "../wecom/client";
import { WecomApiError } from "../wecom/errors";
import { isPlaceholderUserid } from "./match-wecom-userids";

export interface CheckedCadre {
  id: number;
  name: string;
  userid: string;
  mobile: string | null;
}

/** Why a userid cannot receive messages, or `ok`. */
export type UseridVerdict =
  | "ok"
  /** `pending:<mobile>` or the mobile itself: never asked, not a WeCom account yet. */
  | "placeholder"
  /** 60111 / 40003: no such member. */
  | "unknown"
  /** 60011: the member exists outside the app's visibility. */
  | "out_of_range"
  /** status 2. */
  | "disabled"
  /** status 4: invited, never joined. */
  | "not_activated"
  /** status 5. */
  | "left"
  /** WeCom could not be asked (network, busy after retries, another errcode). */
  | "error";

export interface UseridCheck {
  cadre: CheckedCadre;
  verdict: UseridVerdict;
  /** WeCom's name for the member (when found), or the failure (when `error`). */
  detail?: string;
}

export interface CheckOptions {
  getMember(userid: string): Promise<GetMemberResult>;
  /** Waits between calls and before retries (setTimeout in production). */
  sleep(ms: number): Promise<void>;
  /** Pause between two calls; default 50 ms (≤ 20 calls a second, far below WeCom's limits). */
  intervalMs?: number;
  /** Pauses before the retries of a busy / rate-limited / network failure; default 1 s, 3 s. */
  retryDelaysMs?: readonly number[];
  onProgress?(done: number, total: number): void;
}

const STATUS_VERDICT: Record<number, UseridVerdict> = {
  1: "ok",
  2: "disabled",
  4: "not_activated",
  5: "left",
};

/** Checks every cadre's userid in order; throws only for bad credentials, never for one cadre. */
export async function checkWecomUserids(
  cadres: readonly CheckedCadre[],
  options: CheckOptions,
): Promise<UseridCheck[]> {
  const interval = options.intervalMs ?? 50;
  const retries = options.retryDelaysMs ?? [1000, 3000];
  const results: UseridCheck[] = [];
  let asked = 0;
  for (const cadre of cadres) {
    if (isPlaceholderUserid(cadre)) {
      results.push({ cadre, verdict: "placeholder" });
    } else {
      if (asked++ > 0) await options.sleep(interval);
      results.push(await checkOne(cadre, options, retries));
    }
    options.onProgress?.(results.length, cadres.length);
  }
  return results;
}

async function checkOne(
  cadre: CheckedCadre,
  options: CheckOptions,
  retries: readonly number[],
): Promise<UseridCheck> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await options.getMember(cadre.userid);
      if (answer.kind === "not_found") return { cadre, verdict: "unknown" };
      if (answer.kind === "out_of_range") return { cadre, verdict: "out_of_range" };
      const status = answer.member.status;
      return {
        cadre,
        verdict: status === undefined ? "ok" : (STATUS_VERDICT[status] ?? "ok"),
        ...(answer.member.name ? { detail: answer.member.name } : {}),
      };
    } catch (error) {
      // Wrong corp id or secret: no point asking about the others.
      if (error instanceof WecomApiError && error.code === "bad_credentials") throw error;
      const delay = retries[attempt];
      if (error instanceof WecomApiError && error.retryable && delay !== undefined) {
        await options.sleep(delay);
        continue;
      }
      return { cadre, verdict: "error", detail: error instanceof Error ? error.message : String(error) };
    }
  }
}
