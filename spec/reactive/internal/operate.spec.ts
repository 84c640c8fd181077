import { Observable, Subject, Subscriber, type Subscription } from 'rxjs';
import { operate, operateWith, type OperateHandler } from '../../../src/reactive/internal/operate';

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

/** A handler that records its calls and ends its own upstream subscription, as operateWith asks. */
class Recorder implements OperateHandler<number> {
  readonly log: string[] = [];
  upstream: Subscription | undefined;
  constructor(private readonly destination: Subscriber<number>, private readonly throwOn?: number) {}
  push(value: number): void {
    if (value === this.throwOn) throw new Error(`bad ${value}`);
    this.log.push(`push ${value}`);
    this.destination.next(value);
  }
  fail(error: unknown): void {
    this.log.push(`fail ${String(error)}`);
    this.destination.error(error);
  }
  end(): void {
    this.log.push('end');
    this.destination.complete();
  }
  /** The teardown of the destination: the handler ends its upstream. */
  unsubscribe(): void {
    this.upstream?.unsubscribe();
  }
}

function recording(recorders: Recorder[], throwOn?: number) {
  return (source: Observable<number>) =>
    new Observable<number>((destination) => {
      const recorder = new Recorder(destination, throwOn);
      recorders.push(recorder);
      const upstream = operateWith(destination, recorder);
      recorder.upstream = upstream;
      source.subscribe(upstream);
      return recorder;
    });
}

describe('operateWith (the handler form of the seam)', () => {
  it('calls push with each value, then end or fail on the handler', () => {
    const recorders: Recorder[] = [];
    const values: number[] = [];
    const a = new Subject<number>();
    a.pipe(recording(recorders)).subscribe((v) => values.push(v));
    a.next(1);
    a.complete();
    const b = new Subject<number>();
    b.pipe(recording(recorders)).subscribe({ error: () => undefined });
    b.error('x');
    expect(values).toEqual([1]);
    expect(recorders.map((r) => r.log)).toEqual([['push 1', 'end'], ['fail x']]);
  });

  it('a push that throws errors the destination and ends the upstream subscription', () => {
    const errors: unknown[] = [];
    const source = new Subject<number>();
    source.pipe(recording([], 2)).subscribe({ error: (e: unknown) => errors.push(e) });
    source.next(2);
    expect(errors).toMatchObject([{ message: 'bad 2' }]);
    expect(source.observed).toBe(false);
  });

  it('a fail or end that throws errors the destination with what it threw', () => {
    const thrown = new Error('handler broke');
    const seen: unknown[] = [];
    for (const ending of ['fail', 'end'] as const) {
      const source = new Subject<number>();
      new Observable<number>((destination) => {
        const handler = new Recorder(destination);
        handler[ending] = () => {
          throw thrown;
        };
        const upstream = operateWith(destination, handler);
        handler.upstream = upstream;
        source.subscribe(upstream);
        return handler;
      }).subscribe({ error: (e: unknown) => seen.push(e) });
      if (ending === 'fail') source.error('x');
      else source.complete();
    }
    expect(seen).toEqual([thrown, thrown]);
  });

  it('is not chained to the destination: the handler ends the upstream when the destination ends', () => {
    const source = new Subject<number>();
    const subscription = source.pipe(recording([])).subscribe();
    expect(source.observed).toBe(true);
    subscription.unsubscribe();
    expect(source.observed).toBe(false);
    const loose = new Subject<number>();
    const destination = new Subscriber<number>();
    loose.subscribe(operateWith(destination, new Recorder(destination)));
    destination.unsubscribe();
    expect(loose.observed).toBe(true); // nobody ended it: that is the handler's duty
  });
});

