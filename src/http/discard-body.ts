import type { IncomingMessage } from "node:http";

/**
 * Reads what is left of a request body and throws it away as it streams (nothing is kept), up to
 * `maxBytes` more. Resolves true once the body has ended within that bound, so an answer sent
 * now reaches a client that writes its whole request before reading; false when the declared
 * length or the bytes read go over it, or the client went away — then the caller should answer
 * with `Connection: close` (Node closes the socket after the answer; a client still sending may
 * see a reset instead, which is the price of the bound).
 *
 * Why at all: answering an unread body and closing the connection (Node destroys the socket once
 * the answer is written) makes the kernel reset a connection that still has unread data, and a
 * client that is still writing gets EPIPE or ECONNRESET instead of the answer.
 */
export function discardBody(req: IncomingMessage, maxBytes: number): Promise<boolean> {
  if (req.readableEnded || req.complete) return Promise.resolve(true);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let read = 0;
    const finish = (drained: boolean) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
      if (!drained) req.pause();
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onGone = () => finish(false);
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onGone);
    req.once("close", onGone);
    // raw-body pauses the request when it gives up; data flows again from here.
    req.resume();
  });
}
