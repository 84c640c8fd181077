import { Subscriber } from 'rxjs';

/**
 * What an operator does with each notification of its source. Named callbacks: a swapped
 * `error` / `complete` cannot hide behind positional arguments.
 */
export interface OperateConfig<In, Out> {
  /** The subscriber of the operator's own Observable: what its callbacks emit to. */
  readonly destination: Subscriber<Out>;
  /** Each value of the source. A throw errors `destination`. */
  readonly next: (value: In) => void;
  /** The source errored. @default forward the error to `destination` */
  readonly error?: (error: unknown) => void;
  /** The source completed. @default complete `destination` */
  readonly complete?: () => void;
}

/**
 * The one seam between this package and RxJS's operator machinery, shaped like RxJS 8's
 * `operate({ destination, next, error, complete })` and built on the public `Subscriber` class
 * only (RxJS 7's `createOperatorSubscriber` is internal and its argument order has changed
 * between versions).
 *
 * The subscriber it returns is chained to `destination`: unsubscribing `destination` unsubscribes
 * it (and so the source), and a value reaches `next` without the extra safe-subscriber hop of
 * `subscribe({ next })` — the per-datagram path of `sendTo` and `reply` runs through here.
 *
 * @returns the subscriber to hand to `source.subscribe`.
 */
export function operate<In, Out>(config: OperateConfig<In, Out>): Subscriber<In> {
  return new OperateSubscriber(config);
}

class OperateSubscriber<In, Out> extends Subscriber<In> {
  private readonly onNext: (value: In) => void;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly onComplete: (() => void) | undefined;
  private readonly target: Subscriber<Out>;

  constructor({ destination, next, error, complete }: OperateConfig<In, Out>) {
    super(destination);
    this.target = destination;
    this.onNext = next;
    this.onError = error;
    this.onComplete = complete;
  }

  protected override _next(value: In): void {
    try {
      this.onNext(value);
    } catch (error) {
      this.target.error(error);
    }
  }

  protected override _error(error: unknown): void {
    const onError = this.onError;
    if (onError === undefined) {
      this.target.error(error);
    } else {
      try {
        onError(error);
      } catch (thrown) {
        this.target.error(thrown);
      }
    }
    this.unsubscribe();
  }

  protected override _complete(): void {
    const onComplete = this.onComplete;
    if (onComplete === undefined) {
      this.target.complete();
    } else {
      try {
        onComplete();
      } catch (thrown) {
        this.target.error(thrown);
      }
    }
    this.unsubscribe();
  }
}

/**
 * The state object of one operator subscription that takes its source's notifications itself
 * (see {@link operateWith}).
 */
export interface OperateHandler<In> {
  /** Each value of the source. A throw errors the destination. */
  push(value: In): void;
  /** The source errored. A throw errors the destination. */
  fail(error: unknown): void;
  /** The source completed. A throw errors the destination. */
  end(): void;
}

/**
 * {@link operate} for an operator whose subscription state is an object with `push` / `fail` /
 * `end` methods, called on it: subscribing makes no closures and no config object, for operators
 * made per value (`of(q).pipe(request(...))`). The closures' form stays for the per-datagram
 * operators: a call through a field is cheaper than a method call on a handler.
 *
 * Unlike {@link operate}, the subscriber it returns is **not chained to `destination`**: the
 * handler owns it and must unsubscribe it when its own subscription ends (the handler is the
 * teardown the operator returns). Chaining adds it to the destination's finalizers and removes it
 * again when the source completes — for a one-shot `of(q)` source that bookkeeping was a fifth of
 * the request's CPU (stub socket: 555 → 430 ns per request).
 */
export function operateWith<In, Out>(destination: Subscriber<Out>, handler: OperateHandler<In>): Subscriber<In> {
  return new HandlerSubscriber(destination, handler);
}

class HandlerSubscriber<In, Out> extends Subscriber<In> {
  constructor(
    private readonly target: Subscriber<Out>,
    private readonly handler: OperateHandler<In>,
  ) {
    // No destination: not chained (see operateWith); the notifications go to the handler.
    super();
  }

  protected override _next(value: In): void {
    try {
      this.handler.push(value);
    } catch (error) {
      this.target.error(error);
    }
  }

  protected override _error(error: unknown): void {
    try {
      this.handler.fail(error);
    } catch (thrown) {
      this.target.error(thrown);
    }
    this.unsubscribe();
  }

  protected override _complete(): void {
    try {
      this.handler.end();
    } catch (thrown) {
      this.target.error(thrown);
    }
    this.unsubscribe();
  }
}
