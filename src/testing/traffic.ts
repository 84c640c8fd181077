import { Subject, type Observable } from 'rxjs';
import type { Packet } from './delivery-queue';
import type { DatagramFate, DatagramTrace, TrafficStats } from './types';

function zero(): TrafficStats {
  return { sent: 0, delivered: 0, duplicated: 0, lost: 0, partitioned: 0, refused: 0, tooBig: 0, unreachable: 0 };
}

/** The network's record of datagrams: counters per fate, and `traffic$` while someone observes it. */
export class TrafficLog {
  /** Live counters, bumped on the per-datagram path. */
  counters: TrafficStats = zero();
  /** Its `observed` tells whether `traffic$` has a subscriber: traces are built only then. */
  readonly subject = new Subject<DatagramTrace>();
  readonly traffic$: Observable<DatagramTrace> = this.subject.asObservable();

  /** A snapshot of the counters. */
  get stats(): TrafficStats {
    return { ...this.counters };
  }

  reset(): void {
    this.counters = zero();
  }

  /** Emits the trace of a datagram on `traffic$`. */
  trace(p: Packet, size: number, fate: DatagramFate, arrivedAt: number | undefined, receivers: number): void {
    const family = p.v6 ? 'IPv6' : 'IPv4';
    const trace: DatagramTrace = {
      id: p.id,
      source: { address: p.source, family, port: p.sourcePort },
      destination: { address: p.route!.address, family, port: p.port },
      size,
      sentAt: p.sentAt,
      arrivedAt,
      fate,
      receivers,
    };
    if (p.injected) trace.injected = true;
    this.subject.next(trace);
  }
}
