import { UDPSocketError } from '../../errors';
import { checkNumber } from '../../internal/validators';
import type { UDPMessage, UDPMessageResult } from '../../socket/types';
import { countersOf, readOptions } from './validate';

/**
 * The default limit of `reply`'s amplification guard: reply bytes per request byte. QUIC lets a
 * server send an unvalidated address at most three times what it received (RFC 9000 §8.1).
 */
export const DEFAULT_AMPLIFICATION_LIMIT = 3;

/**
 * Counts of `reply`'s amplification guard, kept up to date in the object given as `counters`
 * (they add up over every subscription that shares it).
 */
export interface ReplyCounters {
  /** Bytes of the requests received. */
  requestBytes: number;
  /** Bytes of the replies let through to the send loop. */
  replyBytes: number;
  /** Reply datagrams dropped by the guard: they would have exceeded their request's allowance. */
  dropped: number;
  /** Bytes of the dropped replies. */
  droppedBytes: number;
}

const COUNTERS: ReadonlyArray<keyof ReplyCounters> = ['requestBytes', 'replyBytes', 'dropped', 'droppedBytes'];

/** The UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one 4-byte sequence
      i++;
    } else bytes += 3; // a lone surrogate is sent as U+FFFD, 3 bytes
  }
  return bytes;
}

/** The bytes a reply payload puts on the wire; 0 for what is not a payload (the send reports it). */
function sizeOf(payload: UDPMessage): number {
  if (typeof payload === 'string') return utf8Length(payload);
  if (payload instanceof ArrayBuffer || ArrayBuffer.isView(payload)) return payload.byteLength;
  return 0;
}

/**
 * `reply`'s amplification guard: the bytes sent back for a request stay within `limit` times the
 * bytes of the request; a reply datagram that would exceed it is dropped and counted, never sent.
 * @internal Not part of the published declarations (stripInternal): the public `ReplyCounters`
 * shares this file.
 */
export class AmplificationGuard {
  constructor(
    private readonly limit: number,
    private readonly counters: ReplyCounters | undefined,
  ) {}

  /** The reply bytes `request` allows; counts its bytes. */
  allowance(request: UDPMessageResult): number {
    const message: unknown = request.message;
    const size = message instanceof ArrayBuffer ? message.byteLength : typeof request.remoteInfo.size === 'number' ? request.remoteInfo.size : 0;
    if (this.counters !== undefined) this.counters.requestBytes += size;
    return this.limit === Infinity ? Infinity : this.limit * size;
  }

  /**
   * Spends `payload` from an allowance of `left` bytes.
   * @returns the bytes left after it, or -1 when it does not fit (it is dropped and counted).
   */
  spend(payload: UDPMessage, left: number): number {
    const size = sizeOf(payload);
    const counters = this.counters;
    if (size > left) {
      if (counters !== undefined) {
        counters.dropped++;
        counters.droppedBytes += size;
      }
      return -1;
    }
    if (counters !== undefined) counters.replyBytes += size;
    return left - size;
  }
}

/**
 * Reads `amplificationLimit` and `counters` of `reply`'s options.
 * @returns the guard, `undefined` when it is off and nothing is counted, or the error to report.
 * @internal
 */
export function amplificationGuardOf(options: unknown): AmplificationGuard | undefined | UDPSocketError {
  const opts = readOptions('send', options, ['amplificationLimit', 'counters']);
  if (opts instanceof UDPSocketError) return opts;
  const { amplificationLimit = DEFAULT_AMPLIFICATION_LIMIT } = opts;
  const error = checkNumber('send', 'amplificationLimit', amplificationLimit, { min: 0, infinity: true });
  if (error !== undefined) return error;
  const counters = countersOf<ReplyCounters>('send', opts.counters, COUNTERS);
  if (counters instanceof UDPSocketError) return counters;
  const limit = amplificationLimit as number;
  if (limit === Infinity && counters === undefined) return undefined;
  return new AmplificationGuard(limit, counters);
}
