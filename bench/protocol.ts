/**
 * The IPC protocol between the bench (parent) and its peer process (`bench/peer.ts`): the
 * other end of every real-socket measurement, on the other core.
 */

/** Send datagrams to `127.0.0.1:port`, paced at `rate` per second (0: as fast as possible). */
export interface BlastCommand {
  type: 'blast';
  port: number;
  /** Datagrams per second; 0 means unpaced. */
  rate: number;
  /** Payload size in bytes. */
  size: number;
  /** Stop after this long... */
  durationMs: number;
  /** ...or after this many datagrams, whichever comes first. */
  count: number;
}

/** What a blast did: `sent` datagrams in `elapsedMs`. */
export interface BlastResult {
  sent: number;
  elapsedMs: number;
}

/** Commands of the parent; each is answered with one reply of the same `id`. */
export type PeerCommand =
  | BlastCommand
  | { type: 'stop' }
  | { type: 'echo-open' }
  /** A sink that counts what it receives (`count-read` tells the count and closes it). */
  | { type: 'count-open' }
  | { type: 'count-read'; port: number };

export type PeerRequest = PeerCommand & { id: number };

export interface PeerReply {
  id: number;
  ok: boolean;
  error?: string;
  /** blast: the result; echo-open: the bound port. */
  blast?: BlastResult;
  port?: number;
  /** count-read: datagrams the sink received. */
  count?: number;
}
