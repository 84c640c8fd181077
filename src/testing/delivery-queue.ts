import type { SchedulerAction, SchedulerLike } from 'rxjs';
import type { UDPDoneCallback } from '../driver/udp-driver';
import type { BoundSocket, Route } from './model';

/** What a queued packet does when its time comes: deliver a datagram, call a send callback, or report a send error. */
export type PacketKind = 'deliver' | 'done' | 'error';

/**
 * The part a datagram plays in duplication: the only copy, the first of a duplicated pair (it
 * carries the `'duplicated'` fate), or the second one (it counts for nothing).
 */
export type CopyRole = 'single' | 'original' | 'twin';

/** A unit of deferred work: a datagram in flight, a send completion or a send error. Pooled. */
export class Packet {
  next: Packet | null = null;
  kind: PacketKind = 'deliver';
  copy: CopyRole = 'single';
  /** Sent by a connected socket: a refusal comes back to it as `ECONNREFUSED`. */
  connected = false;
  /** Put on the wire by {@link VirtualNetwork.inject}: it has no sending socket. */
  injected = false;
  id = 0;
  /** The sending socket; `null` for an injected datagram. */
  sender: BoundSocket | null = null;
  /** IPv6 datagram (else IPv4). */
  v6 = false;
  data: Uint8Array | null = null;
  route: Route | null = null;
  source = '';
  sourcePort = 0;
  port = 0;
  sentAt = 0;
  done: UDPDoneCallback | null = null;
  error: Error | null = null;
}

/** Where a datagram whose time has come goes. */
export interface PacketReceiver {
  deliver(p: Packet): void;
}

/** The packets due at one instant, run by one scheduled action. Pooled. */
class Bucket {
  time = 0;
  /** The epoch it was created in: it only takes packets of that epoch. */
  epoch = 0;
  head: Packet | null = null;
  tail: Packet | null = null;
  running = false;
  next: Bucket | null = null;
  constructor(readonly queue: DeliveryQueue) {}
}

function runBucket(this: SchedulerAction<Bucket>, bucket: Bucket | undefined): void {
  bucket!.queue.flush(bucket!);
}

/**
 * Every deferred piece of work of the network, on its scheduler, in order: packets due at one
 * instant share one scheduled action when that changes no order, as if each had its own action,
 * scheduled when it was queued. Packets and buckets are pooled: the per-datagram path allocates
 * only the payload copy.
 */
export class DeliveryQueue {
  private readonly open = new Map<number, Bucket>();
  private lastBucket: Bucket | null = null;
  /**
   * The action counter of a VirtualTimeScheduler (TestScheduler included), which orders actions
   * due at one frame by creation. When an action of someone else was created since a bucket was,
   * a packet must not join that bucket (it would run before that action): a new epoch starts.
   */
  private readonly counter: { index: number } | undefined;
  private expectedIndex = 0;
  private epoch = 0;
  private freePackets: Packet | null = null;
  private freeBuckets: Bucket | null = null;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly receiver: PacketReceiver,
  ) {
    const counter = scheduler as unknown as { index?: unknown };
    this.counter = typeof counter.index === 'number' ? (counter as { index: number }) : undefined;
  }

  /** A packet of `kind` from the pool. */
  packet(kind: PacketKind, sender: BoundSocket | null): Packet {
    let p = this.freePackets;
    if (p === null) p = new Packet();
    else this.freePackets = p.next;
    p.next = null;
    p.kind = kind;
    p.sender = sender;
    return p;
  }

  /** Returns a packet to the pool. */
  release(p: Packet): void {
    p.sender = null;
    p.data = null;
    p.route = null;
    p.done = null;
    p.error = null;
    p.copy = 'single';
    p.connected = false;
    p.injected = false;
    p.next = this.freePackets;
    this.freePackets = p;
  }

  /** Queues `p` to run `delay` after `now`. */
  enqueue(p: Packet, delay: number, now: number): void {
    const time = now + delay;
    const counter = this.counter;
    if (counter !== undefined && counter.index !== this.expectedIndex) {
      this.epoch++;
      this.expectedIndex = counter.index;
    }
    let b = this.lastBucket;
    if (b === null || b.time !== time || b.running || b.epoch !== this.epoch) {
      b = this.open.get(time) ?? null;
      if (b === null || b.epoch !== this.epoch) {
        b = this.freeBuckets;
        if (b === null) b = new Bucket(this);
        else this.freeBuckets = b.next;
        b.next = null;
        b.time = time;
        b.epoch = this.epoch;
        b.running = false;
        this.open.set(time, b);
        this.scheduler.schedule(runBucket, delay, b);
        if (counter !== undefined) this.expectedIndex = counter.index;
      }
      this.lastBucket = b;
    }
    if (b.tail === null) b.head = p;
    else b.tail.next = p;
    b.tail = p;
  }

  /** Runs every packet of a bucket, in the order they were queued; rethrows the first exception after all ran. */
  flush(b: Bucket): void {
    b.running = true;
    if (this.open.get(b.time) === b) this.open.delete(b.time);
    if (this.lastBucket === b) this.lastBucket = null;
    let p = b.head;
    b.head = b.tail = null;
    b.next = this.freeBuckets;
    this.freeBuckets = b;
    let failed = false;
    let failure: unknown;
    while (p !== null) {
      const next = p.next;
      try {
        if (p.kind === 'deliver') this.receiver.deliver(p);
        else if (p.kind === 'done') p.done!(p.error);
        else if (p.sender!.state !== 'closed') p.sender!.sink.error(p.error!, 'send');
      } catch (error) {
        if (!failed) {
          failed = true;
          failure = error;
        }
      }
      this.release(p);
      p = next;
    }
    if (failed) throw failure;
  }
}
