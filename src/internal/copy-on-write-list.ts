const EMPTY: ReadonlyArray<never> = Object.freeze([]);

/**
 * A list whose readers never see it change: `add`/`remove*`/`take` replace the array, so a loop
 * over `items` (a dispatch) allocates nothing and is not disturbed by an entry removing itself or
 * adding another while it runs. Mutations are rare (a subscribe, an `onX`), reads are per datagram.
 *
 * The one list of the package: the socket's listeners (`ListenerList`) and the reactive wrapper's
 * subscribers use it.
 */
export class CopyOnWriteList<T> {
  /** The current entries, in insertion order. Never mutated in place: safe to iterate while it changes. */
  items: ReadonlyArray<T> = EMPTY;

  /** Appends `item` (a second registration of the same item is a second entry). */
  add(item: T): void {
    this.items = [...this.items, item];
  }

  /** Removes the first entry equal to `item`. @returns whether there was one. */
  removeFirst(item: T): boolean {
    const index = this.items.indexOf(item);
    if (index < 0) return false;
    const next = this.items.slice();
    next.splice(index, 1);
    this.items = next;
    return true;
  }

  /** Removes every entry equal to `item`. */
  removeEvery(item: T): void {
    if (this.items.includes(item)) this.items = this.items.filter((entry) => entry !== item);
  }

  /** Removes and returns every entry. */
  take(): ReadonlyArray<T> {
    const items = this.items;
    this.items = EMPTY;
    return items;
  }
}
