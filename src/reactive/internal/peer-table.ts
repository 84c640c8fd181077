/**
 * A bounded table of per-peer state for the server-side defences (`groupByPeer`,
 * `rateLimitPerPeer`): lookup by key, and the order in which entries were last active, kept in
 * two intrusive lists so that touching an entry on the per-datagram path allocates nothing.
 *
 * Entries start "fresh" (their peer sent one datagram) and become "known" at the second. When
 * the table is full, the idlest fresh entry goes first: a flood of forged one-shot sources churns
 * fresh entries only, and a peer that keeps talking keeps its entry as long as a fresh one is
 * left to end.
 */

/** What an entry of a {@link PeerTable} carries; the table owns the link fields. */
export interface PeerEntry {
  readonly key: string;
  /** Links of the activity list the entry is on; managed by the table. */
  older: PeerEntry | null;
  newer: PeerEntry | null;
  /** Whether its peer sent more than one datagram; managed by the table. */
  known: boolean;
  /** Whether it is in the table; managed by the table. */
  listed: boolean;
}

/** One activity list: oldest at `head`, most recently active at `tail`. */
class ActivityList {
  head: PeerEntry | null = null;
  tail: PeerEntry | null = null;

  append(e: PeerEntry): void {
    e.older = this.tail;
    e.newer = null;
    if (this.tail === null) this.head = e;
    else this.tail.newer = e;
    this.tail = e;
  }

  unlink(e: PeerEntry): void {
    if (e.older === null) this.head = e.newer;
    else e.older.newer = e.newer;
    if (e.newer === null) this.tail = e.older;
    else e.newer.older = e.older;
    e.older = e.newer = null;
  }
}

/** A table of at most `capacity` entries by key, with the activity order of {@link PeerEntry}. */
export class PeerTable<E extends PeerEntry> {
  private readonly entries = new Map<string, E>();
  private readonly fresh = new ActivityList();
  private readonly known = new ActivityList();

  constructor(readonly capacity: number) {}

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether a new entry needs room first. */
  get full(): boolean {
    return this.entries.size >= this.capacity;
  }

  get(key: string): E | undefined {
    return this.entries.get(key);
  }

  /** Adds a new entry as the most recently active fresh one; the caller made room. */
  add(e: E): void {
    e.known = false;
    e.listed = true;
    this.entries.set(e.key, e);
    this.fresh.append(e);
  }

  /** Records activity of an entry: it becomes the most recently active, and known. */
  touch(e: E): void {
    if (e.known) {
      if (this.known.tail === e) return;
      this.known.unlink(e);
    } else {
      this.fresh.unlink(e);
      e.known = true;
    }
    this.known.append(e);
  }

  /** Removes an entry; removing one that is not listed does nothing. */
  remove(e: E): void {
    if (!e.listed || this.entries.get(e.key) !== e) return;
    e.listed = false;
    this.entries.delete(e.key);
    (e.known ? this.known : this.fresh).unlink(e);
  }

  /** The entry to end first when full: the idlest fresh one, else the idlest known one. */
  idlest(): E | undefined {
    return (this.fresh.head ?? this.known.head ?? undefined) as E | undefined;
  }

  /** Every entry, for teardown. */
  values(): IterableIterator<E> {
    return this.entries.values();
  }
}
