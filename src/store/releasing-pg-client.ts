import pg from "pg";

/**
 * A pg client that lets go of its `connect` callback once it has been called.
 *
 * pg's Client keeps the callback given to `connect` in a closure context shared with the socket
 * listeners it installs, for as long as the connection lives; pg-pool's callback reaches the
 * pending request that made the pool open the connection, and so the result of that request's
 * query. Every pooled connection therefore kept the result of the first query it ran until it
 * closed — for the plan's bulk reads a page of megabytes per connection. Given to the pool as its
 * `Client`, this class hands pg a forwarding callback that drops the real one after one call.
 */
type ConnectCallback = Parameters<pg.Client["connect"]>[0] & {};

export class ReleasingPgClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.Client> | undefined {
    if (!callback) return super.connect();
    let pending: ConnectCallback | undefined = callback;
    super.connect(((err: Error | null, client: pg.Client) => {
      const call = pending;
      pending = undefined;
      (call as ((err: Error | null, client: pg.Client) => void) | undefined)?.(err, client);
    }) as ConnectCallback);
  }
}
