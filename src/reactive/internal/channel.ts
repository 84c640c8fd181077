import type { Subscriber } from 'rxjs';
import type { UDPMessageResult, UDPMessageResultLike } from '../../socket/types';
import { CopyOnWriteList } from '../../internal/copy-on-write-list';

/* The plumbing of the reactive wrapper (`fromUDPSocket`): its streams' subscriber lists, the
 * reference-counted socket listeners behind them, and the completion of Taro-typed messages. */

/** A message of a socket that did not put `size` on `remoteInfo` (Taro's typings), completed. */
export function withRemoteSize(result: UDPMessageResultLike): UDPMessageResult {
  const { remoteInfo, localInfo } = result;
  const size = result.message.byteLength;
  return {
    message: result.message,
    remoteInfo: { address: remoteInfo.address, family: remoteInfo.family, port: remoteInfo.port, size },
    localInfo: { address: localInfo.address, family: localInfo.family, port: localInfo.port, size: localInfo.size ?? size },
  };
}

/**
 * The subscribers of one stream, on the package's one copy-on-write list: `next` iterates the
 * array it started with and allocates nothing, and a subscriber leaving (or joining) during an
 * emission does not disturb it.
 */
export class Channel<T> extends CopyOnWriteList<Subscriber<T>> {
  remove(subscriber: Subscriber<T>): void {
    this.removeFirst(subscriber);
  }

  next(value: T): void {
    const subscribers = this.items;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(value);
  }

  complete(): void {
    const subscribers = this.take();
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.complete();
  }
}

/** One socket listener, reference-counted: added at the first user, removed after the last. */
export class Tap {
  private refs = 0;

  constructor(
    private readonly on: () => void,
    private readonly off: () => void,
  ) {}

  acquire(): void {
    if (this.refs++ === 0) this.on();
  }

  release(): void {
    if (--this.refs === 0) this.off();
  }
}
