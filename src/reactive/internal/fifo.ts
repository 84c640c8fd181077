/** A growable ring buffer: push/shift in O(1) without the array shifting of `Array#shift`. */
export class Fifo<T> {
  private items: Array<T | undefined>;
  private head = 0;
  size = 0;

  constructor(capacity = 16) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    const items = this.items;
    if (this.size === items.length) {
      const grown = new Array<T | undefined>(items.length * 2);
      for (let i = 0; i < this.size; i++) grown[i] = items[(this.head + i) % items.length];
      this.items = grown;
      this.head = 0;
    }
    this.items[(this.head + this.size) % this.items.length] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return item;
  }

  clear(): void {
    this.items = new Array<T | undefined>(16);
    this.head = 0;
    this.size = 0;
  }
}
