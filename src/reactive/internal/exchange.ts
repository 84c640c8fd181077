import type { SchedulerLike } from 'rxjs';
import type { UDPMessageResult, UDPSendOption } from '../../socket/types';

/*
 * The records a `request` run and the socket's request hub share: one exchange per question, and
 * what the hub needs of the run it belongs to.
 */

/** The settings of a run that its socket's `RequestHub` reads. */
export interface OwnerSettings {
  readonly scheduler: SchedulerLike;
  /** Quiet time after an exchange of this run ends unanswered, ms (`settle`, default `timeout`). */
  readonly settle: number;
  /**
   * Quiet time after an exchange of this run is answered, ms: `settle` as given, else 0. So it is
   * also how long a request of this run without `match` waits after any exchange with its peer
   * ended, whichever run it was (a given value applies after both).
   */
  readonly settleAnswered: number;
  /**
   * Whether this run's waits are timed by the hub's one timer (real time on the socket's
   * scheduler), instead of a timer of its own.
   */
  readonly sharedTimer: boolean;
}

/** What a `RequestHub` needs of the operator run an exchange belongs to. */
export interface ExchangeOwner {
  readonly settings: OwnerSettings;
  /** The gate admitted a queued exchange: send it now. */
  begin(exchange: Exchange): void;
  /** The hub's timer ran out with a wait of this run over: retransmit or time out. */
  expire(): void;
  /** A reply for `exchange` arrived (the hub removed it already). */
  answer(exchange: Exchange, reply: UDPMessageResult): void;
  /** The exchange cannot go on (the socket closed or refused): error the run. */
  fail(error: unknown): void;
}

/** One request: a question to a peer, waiting for its answer. */
export interface Exchange {
  readonly owner: ExchangeOwner;
  readonly payload: unknown;
  readonly option: UDPSendOption;
  /** The port replies must come from. */
  readonly port: number;
  /**
   * The address replies must come from, in the form `peerAddress` (src/internal/ip.ts) gives; `undefined` for a hostname target (with `match`: the port is checked, and
   * `match`).
   */
  readonly address: string | undefined;
  /** A broadcast or multicast question: any source may answer (a `match` is then required). */
  readonly anySource: boolean;
  /** `address:port` with the address in that form (`[v6]:port`): one key however the peer was written. */
  readonly peer: string;
  /** When the hub admitted it, in order: an exchange waits for older ones that compete for its replies. */
  order: number;
  /**
   * Without `match`: the gate of its peer (the turns' record, kept while the exchange is live, so
   * its end needs no lookup); `undefined` otherwise.
   */
  gate: object | undefined;
  /** Whether a reply is recognised by `match` (else by its peer alone). */
  readonly match: ((reply: UDPMessageResult, request: never) => boolean) | undefined;
  /** `scheduler.now()` when first sent. */
  startedAt: number;
  attempts: number;
  /** The current wait, ms. */
  wait: number;
  /** `scheduler.now()` at which the current wait runs out (or, with `resend`, the retransmission is due). */
  deadline: number;
  /** The retransmission was spread: at `deadline` send again instead of counting a timeout. */
  resend: boolean;
  /** Pending (in the hub's tables) or queued at its gate; false once ended. */
  live: boolean;
}

/** Removes the item at `index` of `list`; the last one (a one-shot request's only one) without `splice`'s array. */
export function removeAt<T>(list: T[], index: number): void {
  if (index === list.length - 1) list.pop();
  else list.splice(index, 1);
}

/** Removes `item` from `list`, if there: looked for last, then from the front (the oldest is answered first). */
export function removeFrom<T>(list: T[], item: T): void {
  const last = list.length - 1;
  const index = last >= 0 && list[last] === item ? last : list.indexOf(item);
  if (index >= 0) removeAt(list, index);
}

/** The exchanges of a socket waiting for a reply, where its replies are looked for. */
export class PendingExchanges {
  /** Those with a single peer, by the port they wait on (an emptied list is kept for reuse). */
  readonly byPort = new Map<number, Exchange[]>();
  /** Broadcast / multicast ones (all have a `match`). */
  readonly anySource: Exchange[] = [];

  add(exchange: Exchange): void {
    if (exchange.anySource) {
      this.anySource.push(exchange);
      return;
    }
    const list = this.byPort.get(exchange.port);
    if (list === undefined) this.byPort.set(exchange.port, [exchange]);
    else list.push(exchange);
  }

  remove(exchange: Exchange): void {
    const list = exchange.anySource ? this.anySource : this.byPort.get(exchange.port);
    if (list !== undefined) removeFrom(list, exchange);
  }
}
