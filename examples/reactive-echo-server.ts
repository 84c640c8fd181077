/**
 * A reactive echo server with `reply`, and a client that talks to it with `request`.
 *
 * The server is a cold resource: `openUDPSocket` binds it when subscribed, `switchMap` serves
 * its messages with `reply`, and unsubscribing closes it. Loopback only (127.0.0.1, port 0).
 *
 * Run it: `npx tsx examples/reactive-echo-server.ts` (spec/examples/reactive-echo-server.spec.ts runs it too).
 */
import { Observable, Subject, concatMap, from, lastValueFrom, of, switchMap, take, tap, toArray } from 'rxjs';
import { createUDPSocket, decode, fromUDPSocket, openUDPSocket, reply, request, text, type RxUDPSocket, type SendReceipt, type UDPMessageResult } from '../src/node';

/**
 * An echo server on 127.0.0.1, running while subscribed.
 *
 * @param ready - called with the bound port once the server listens.
 * @param seen - called with each datagram before it is echoed (e.g. to log it).
 * @returns an Observable of the receipts of the replies; subscribe to run the server, unsubscribe to close it.
 */
export function echoServer(ready: (port: number) => void, seen: (message: UDPMessageResult) => void = () => undefined): Observable<SendReceipt> {
  return openUDPSocket({ address: '127.0.0.1' }).pipe(
    tap((rx: RxUDPSocket) => ready(rx.address()!.port)),
    // every datagram goes back to its sender, unchanged
    switchMap((rx) => rx.message$.pipe(tap(seen), reply(rx, ({ message }) => message))),
  );
}

/** Decodes an echo to compare it with the line sent. */
const utf8 = new TextDecoder();

/**
 * Starts the server, sends `lines` one request at a time, and stops everything.
 *
 * @param lines - what the client sends.
 * @param log - where to print the exchange.
 * @returns the echoed lines, in order.
 */
export async function main(lines = ['hello', 'reactive', 'world'], log: (line: string) => void = console.log): Promise<string[]> {
  const port$ = new Subject<number>();
  const portReady = lastValueFrom(port$.pipe(take(1)));
  const server = echoServer((port) => port$.next(port)).subscribe();
  const client = fromUDPSocket(createUDPSocket('udp4'));
  try {
    const port = await portReady;
    log(`echo server listening on 127.0.0.1:${port}`);
    return await lastValueFrom(
      from(lines).pipe(
        // one exchange at a time: send, wait for the echo (500 ms, 2 retransmissions), next.
        // The echo carries the question, so `match` tells a late echo of an earlier line apart.
        concatMap((line) => {
          log(`client -> ${line}`);
          return of(line).pipe(
            request(client, { address: '127.0.0.1', port }, { timeout: 500, retries: 2, match: (echo, question) => utf8.decode(echo.message) === question }),
            decode(text),
            tap((echo) => log(`client <- ${echo}`)),
          );
        }),
        toArray(),
      ),
    );
  } finally {
    client.close();
    server.unsubscribe(); // closes the server socket
  }
}

if (process.argv[1]?.endsWith('reactive-echo-server.ts') === true) {
  main().then((echoed) => console.log(`echoed ${echoed.length} lines`), (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
