/**
 * The reactive face of `npm start`: an echo exchange over loopback with the RxJS layer.
 * `examples/demo.ts` calls {@link reactiveDemo}.
 */
import { concatMap, from, lastValueFrom, of, tap } from 'rxjs';
import { createUDPSocket, decode, fromUDPSocket, request, text } from '../src/node';
import { echoServer } from './reactive-echo-server';

/**
 * Opens the echo server of `reactive-echo-server.ts` (`openUDPSocket` + `reply`), sends three lines from a client with
 * `request` (timeout 500 ms, 2 retries), prints what was sent and received, and closes both.
 *
 * @param log - where to print.
 * @returns when the exchange is over and both sockets are closed.
 */
export async function reactiveDemo(log: (line: string) => void = console.log): Promise<void> {
  const client = fromUDPSocket(createUDPSocket('udp4'));
  let port = 0;
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  const server = echoServer(
    (bound) => {
      port = bound;
      log(`  server listening on 127.0.0.1:${port} (openUDPSocket)`);
      ready();
    },
    ({ message, remoteInfo }) => log(`  server <- ${remoteInfo.address}:${remoteInfo.port} "${Buffer.from(message).toString()}"`),
  ).subscribe();
  try {
    await listening;
    await lastValueFrom(
      from(['hello, rxjs', '你好', 'bye']).pipe(
        concatMap((line) => {
          log(`  client -> "${line}"`);
          return of(line).pipe(
            // the echo carries the question: `match` keeps each echo with its line
            request(client, { address: '127.0.0.1', port }, { timeout: 500, retries: 2, match: (echo, question) => new TextDecoder().decode(echo.message) === question }),
            decode(text),
            tap((echo) => log(`  client <- "${echo}" (request)`)),
          );
        }),
      ),
      { defaultValue: undefined },
    );
  } finally {
    client.close();
    server.unsubscribe();
    log('  client and server closed');
  }
}

if (process.argv[1]?.endsWith('reactive-demo.ts') === true) {
  reactiveDemo().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
