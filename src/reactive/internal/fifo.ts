/**
 * A growable ring buffer: push/shift in O(1) without the array shifting of `Array#shift`.
 * The capacity stays a power of two, so positions wrap with a mask.
 */
export class Fifo<T> {
  private items: Array<T | undefined>;
  private mask: number;
  private head = 0;
  size = 0;

  constructor() {
    this.items = new Array<T | undefined>(16).fill(undefined);
    this.mask = 15;
  }

  push(item: T): void {
    if (this.size > this.mask) this.grow();
    this.items[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const head = this.head;
    const item = this.items[head];
    this.items[head] = undefined;
    this.head = (head + 1) & this.mask;
    this.size--;
    return item;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const items = this.items;
    const grown = new Array<T | undefined>(items.length * 2).fill(undefined);
    for (let i = 0; i < this.size; i++) grown[i] = items[(this.head + i) & this.mask];
    this.items = grown;
    this.mask = grown.length - 1;
    this.head = 0;
  }
}
