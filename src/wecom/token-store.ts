/**
 * Where access tokens live between calls. WeCom rate-limits gettoken and one token serves every
 * process of an app, so a deployment with several processes should back this with the database
 * (and `lock`, e.g. a PostgreSQL advisory lock) so only one of them refreshes (wecom.md §4.1, §7.3).
 */

/** A cached access token and the instant WeCom said it expires (fetch time + expires_in). */
export interface StoredToken {
  token: string;
  expiresAt: Date;
}

export interface TokenStore {
  get(key: string): Promise<StoredToken | null>;
  set(key: string, token: string, expiresAt: Date): Promise<void>;
  /**
   * Optional cross-process mutual exclusion: run `fn` while holding the lock for `key`. The client
   * re-reads the store inside the lock, so a process that waited picks up the token another one
   * fetched instead of fetching again.
   */
  lock?<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** A process-local TokenStore (tests, sandbox, single-process deployments). */
export function createMemoryTokenStore(): TokenStore {
  const tokens = new Map<string, StoredToken>();
  return {
    async get(key) {
      const stored = tokens.get(key);
      return stored === undefined ? null : { token: stored.token, expiresAt: new Date(stored.expiresAt) };
    },
    async set(key, token, expiresAt) {
      tokens.set(key, { token, expiresAt: new Date(expiresAt) });
    },
  };
}
