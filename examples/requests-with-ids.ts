/**
 * Recipe: requests with ids — many questions in flight on one socket, each answer paired with
 * its question by an id the datagrams carry (as DNS's query id, CoAP's message id, SNMP's
 * request-id).
 *
 * The protocol: a question is `[id: uint16][n: int32]`, the answer `[id: uint16][n²: float64]`.
 * The server answers out of order (each after a delay of its own) and sends every answer twice,
 * as a network that reorders and duplicates would. The client keeps up to 8 questions in flight
 * with `request(..., { match })`: `match` compares the ids, so each answer goes to its question,
 * and the duplicate of an answer already taken is dropped.
 *
 * Run it: `npx tsx examples/requests-with-ids.ts` (loopback only; spec/examples/requests-with-ids.spec.ts runs it).
 */
import { type Observable, type Subscription, from, lastValueFrom, map, mergeMap, timer, toArray } from 'rxjs';
import { createUDPSocket, fromUDPSocket, reply, request, type RxUDPSocket, type UDPTarget } from '../src/node';

/** The id a question or an answer carries in its first two bytes. */
export function idOf(datagram: ArrayBuffer | Uint8Array): number {
  const bytes = datagram instanceof Uint8Array ? datagram : new Uint8Array(datagram);
  return (bytes[0]! << 8) | bytes[1]!;
}

/** `[id][n]`: a question. */
export function question(id: number, n: number): Uint8Array {
  const bytes = new Uint8Array(6);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, id);
  view.setInt32(2, n);
  return bytes;
}

/** `[id][n²]`: the answer to a question. */
function answer(id: number, square: number): Uint8Array {
  const bytes = new Uint8Array(10);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, id);
  view.setFloat64(2, square);
  return bytes;
}

/**
 * A server that squares numbers, answering each question after `id % 7` ms and twice.
 *
 * @param rx - a bound socket.
 * @returns the running server; unsubscribe to stop it.
 */
export function squareServer(rx: RxUDPSocket): Subscription {
  return rx.message$
    .pipe(
      reply(rx, ({ message }): Observable<Uint8Array> => {
        const id = idOf(message);
        const n = new DataView(message).getInt32(2);
        const bytes = answer(id, n * n);
        return timer(id % 7).pipe(mergeMap(() => [bytes, bytes])); // late, out of order, duplicated
      }),
    )
    .subscribe();
}

/**
 * Asks `target` for the square of each number, 8 questions in flight at a time.
 *
 * @param rx - the client socket.
 * @param target - the server.
 * @param numbers - what to square.
 * @returns `{ id, square }` for each number, in the order the answers arrived.
 */
export function squares(rx: RxUDPSocket, target: UDPTarget, numbers: number[]): Promise<Array<{ id: number; square: number }>> {
  return lastValueFrom(
    from(numbers).pipe(
      map((n, id) => question(id, n)),
      // one long-lived request stream: each value is a question, `match` pairs answers by id
      request(rx, target, {
        timeout: 200,
        retries: 2,
        concurrency: 8,
        match: (candidate, asked) => idOf(candidate.message) === idOf(asked),
      }),
      map(({ message }) => ({ id: idOf(message), square: new DataView(message).getFloat64(2) })),
      toArray(),
    ),
  );
}

/**
 * Runs the recipe: 20 questions against the reordering, duplicating server.
 *
 * @param log - where to print.
 * @returns the answers, sorted by id.
 */
export async function main(log: (line: string) => void = console.log): Promise<Array<{ id: number; square: number }>> {
  const server = fromUDPSocket(createUDPSocket());
  const client = fromUDPSocket(createUDPSocket());
  const serving = squareServer(server);
  try {
    const port = server.bind(0, '127.0.0.1');
    const numbers = Array.from({ length: 20 }, (_, i) => i + 1);
    const answers = await squares(client, { address: '127.0.0.1', port }, numbers);
    log(`answer order (ids): ${answers.map(({ id }) => id).join(' ')}`);
    const sorted = answers.sort((a, b) => a.id - b.id);
    const wrong = sorted.filter(({ id, square }) => square !== numbers[id]! ** 2);
    log(`${sorted.length} answers for ${numbers.length} questions, ${wrong.length} paired wrongly`);
    return sorted;
  } finally {
    serving.unsubscribe();
    server.close();
    client.close();
  }
}

if (process.argv[1]?.endsWith('requests-with-ids.ts') === true) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
