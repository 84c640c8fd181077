/**
 * A request/response client with timeout and retries, against a flaky JSON server.
 *
 * The server answers `{ id, op: 'add', args }` with `{ id, result }`, but ignores the first copy of
 * every request (as a lossy network would): the client's retransmission gets the answer. A
 * request to a port where nobody answers fails with `RequestTimeoutError` (code `ETIMEDOUT`) after
 * `(retries + 1) × timeout`. Concurrent requests are told apart by `match` on the id.
 * Loopback only (127.0.0.1, port 0).
 *
 * Run it: `npx tsx examples/request-client.ts` (spec/examples/request-client.spec.ts runs it too).
 */
import { catchError, firstValueFrom, from, lastValueFrom, map, mergeMap, of, toArray, type Subscription } from 'rxjs';
import {
  RequestTimeoutError,
  createUDPSocket,
  decode,
  encode,
  fromUDPSocket,
  json,
  reply,
  request,
  type RxUDPSocket,
  type UDPMessageResult,
  type UDPTarget,
} from '../src/node';

/** A request of the protocol. */
export interface AddRequest {
  id: number;
  op: 'add';
  args: number[];
}

/** The answer to an {@link AddRequest}. */
export interface AddResponse {
  id: number;
  result: number;
}

const requestCodec = json<AddRequest>();
const responseCodec = json<AddResponse>();

/**
 * Serves additions on `rx`, ignoring the first copy of each request id.
 *
 * @param rx - a bound socket.
 * @returns the running server; unsubscribe to stop it.
 */
export function flakyAdditionServer(rx: RxUDPSocket): Subscription {
  const seen = new Set<number>();
  return rx.message$
    .pipe(
      reply(rx, ({ message }) => {
        const { id, args } = requestCodec.decode(message);
        if (!seen.has(id)) {
          seen.add(id);
          return undefined; // "lost"
        }
        return responseCodec.encode({ id, result: args.reduce((a, b) => a + b, 0) });
      }),
    )
    .subscribe();
}

/**
 * Asks `target` to add each list of numbers, with timeout and retries, in parallel.
 *
 * @param rx - the client socket.
 * @param target - the server.
 * @param sums - the lists to add.
 * @returns the results in request order, or the error code of each failed request.
 */
export function addAll(rx: RxUDPSocket, target: UDPTarget, sums: number[][]): Promise<Array<number | string>> {
  return lastValueFrom(
    from(sums.map((args, id): AddRequest => ({ id, op: 'add', args }))).pipe(
      mergeMap((req) =>
        of(req).pipe(
          encode(requestCodec),
          map(String),
          // concurrent requests: each takes the reply with its id
          request(rx, target, { timeout: 100, retries: 3, match: (answer: UDPMessageResult) => responseCodec.decode(answer.message).id === req.id }),
          decode(responseCodec),
          map(({ id, result }) => ({ id, result: result as number | string })),
          catchError((error: RequestTimeoutError) => of({ id: req.id, result: error.code })),
        ),
      ),
      toArray(),
      map((answers) => answers.sort((a, b) => a.id - b.id).map(({ result }) => result)),
    ),
  );
}

/**
 * Runs the example: three additions against the flaky server, one request against a silent port.
 *
 * @param log - where to print.
 * @returns the sums, and the error code of the request nobody answered.
 */
export async function main(log: (line: string) => void = console.log): Promise<{ sums: Array<number | string>; silent: string }> {
  const server = fromUDPSocket(createUDPSocket());
  const silent = createUDPSocket();
  const client = fromUDPSocket(createUDPSocket());
  const serving = flakyAdditionServer(server);
  try {
    const port = server.bind(0, '127.0.0.1');
    const silentPort = silent.bind(0, '127.0.0.1');
    const sums = await addAll(client, { address: '127.0.0.1', port }, [[1, 2], [3, 4, 5], [40, 2]]);
    log(`sums from the flaky server (each needed a retry): ${sums.join(', ')}`);
    const code = await firstValueFrom(
      of('anyone?').pipe(
        request(client, { address: '127.0.0.1', port: silentPort }, { timeout: 50, retries: 1, match: () => true }),
        map(() => 'answered'),
        catchError((error: unknown) => of(error instanceof RequestTimeoutError ? `${error.code} after ${error.attempts} tries` : String(error))),
      ),
    );
    log(`silent peer: ${code}`);
    return { sums, silent: code };
  } finally {
    serving.unsubscribe();
    server.close();
    silent.close();
    client.close();
  }
}

if (process.argv[1]?.endsWith('request-client.ts') === true) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
