/**
 * A cadre imported without a WeCom account is registered under `pending:<mobile>` until
 * `roster match-wecom` binds the real userid (register.md "WeCom userids"). Such a userid is no
 * WeCom member: nothing may be sent to it, and no inbound message can come from it.
 */
export const PENDING_USERID_PREFIX = "pending:";

/** Whether `userid` is a WeCom account (not the import's `pending:<mobile>` placeholder). */
export function hasWecomAccount(userid: string): boolean {
  return !userid.startsWith(PENDING_USERID_PREFIX);
}

/** The placeholder userid of a cadre imported without a WeCom account. */
export function pendingUserid(mobile: string | null | undefined): string {
  return `${PENDING_USERID_PREFIX}${mobile ?? ""}`;
}
