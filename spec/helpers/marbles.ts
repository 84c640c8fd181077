import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { UDPSocketLike } from 'rxjs-udp';

/** A TestScheduler asserting with jest's `toEqual`. */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** The text of every datagram the socket receives, as an Observable (listener added on subscribe). */
export function messages$(socket: UDPSocketLike): Observable<string> {
  return new Observable<string>((subscriber) => {
    const listener = ({ message }: { message: ArrayBuffer }): void => subscriber.next(Buffer.from(message).toString());
    socket.onMessage(listener);
    return () => socket.offMessage(listener);
  });
}

/** The `code` of every error the socket reports, as an Observable. */
export function errors$(socket: UDPSocketLike): Observable<string> {
  return new Observable<string>((subscriber) => {
    const listener = ({ code }: { code: string }): void => subscriber.next(code);
    socket.onError(listener);
    return () => socket.offError(listener);
  });
}
