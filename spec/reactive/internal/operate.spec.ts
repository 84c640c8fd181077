import { Observable, Subject } from 'rxjs';
import { operate } from '../../../src/reactive/internal/operate';

/** An operator built on operate that doubles numbers, with every callback recorded. */
function doubling(log: string[]) {
  return (source: Observable<number>) =>
    new Observable<number>((destination) =>
      source.subscribe(
        operate({
          destination,
          next: (value: number) => destination.next(value * 2),
          error: (error) => {
            log.push(`error ${String(error)}`);
            destination.error(error);
          },
          complete: () => {
            log.push('complete');
            destination.complete();
          },
        }),
      ),
    );
}

describe('operate (the RxJS seam)', () => {
  it('calls next with each value, and complete and error by name, never swapped', () => {
    const log: string[] = [];
    const values: number[] = [];
    const source = new Subject<number>();
    source.pipe(doubling(log)).subscribe({ next: (v) => values.push(v), error: () => log.push('seen error'), complete: () => log.push('seen complete') });
    source.next(1);
    source.next(2);
    source.complete();
    expect(values).toEqual([2, 4]);
    expect(log).toEqual(['complete', 'seen complete']);

    const failing = new Subject<number>();
    const log2: string[] = [];
    failing.pipe(doubling(log2)).subscribe({ error: () => log2.push('seen error'), complete: () => log2.push('seen complete') });
    failing.error('boom');
    expect(log2).toEqual(['error boom', 'seen error']);
  });

  it('unsubscribing the destination unsubscribes the source', () => {
    const source = new Subject<number>();
    const subscription = source.pipe(doubling([])).subscribe();
    expect(source.observed).toBe(true);
    subscription.unsubscribe();
    expect(source.observed).toBe(false);
  });

  it('a next callback that throws errors the destination, not the process', () => {
    const errors: unknown[] = [];
    const boom = new Error('bad value');
    const source = new Subject<number>();
    new Observable<number>((destination) =>
      source.subscribe(
        operate({
          destination,
          next: () => {
            throw boom;
          },
        }),
      ),
    ).subscribe({ error: (e: unknown) => errors.push(e) });
    source.next(1);
    expect(errors).toEqual([boom]);
    expect(source.observed).toBe(false);
  });

  it('without error and complete callbacks it forwards both to the destination', () => {
    const seen: string[] = [];
    const pass = (source: Observable<number>) =>
      new Observable<number>((destination) => source.subscribe(operate({ destination, next: (v: number) => destination.next(v) })));
    const a = new Subject<number>();
    a.pipe(pass).subscribe({ complete: () => seen.push('complete') });
    a.complete();
    const b = new Subject<number>();
    b.pipe(pass).subscribe({ error: (e: unknown) => seen.push(`error ${String(e)}`) });
    b.error('x');
    expect(seen).toEqual(['complete', 'error x']);
  });
});
