import { from, mergeMap, of } from 'rxjs';
import { createUDPSocket, decode, encode, fromUDPSocket, json, request } from 'rxjs-udp';

const questions = json<{ id: number; n: number }>();
const answers = json<{ id: number; square: number }>();
const rx = fromUDPSocket(createUDPSocket());

from([3, 4, 5])
  .pipe(
    mergeMap((n, id) =>
      of({ id, n }).pipe(
        encode(questions),
        request(rx, { address: '127.0.0.1', port: 41234 }, {
          timeout: 500,
          retries: 2,
          match: (answer) => answers.decode(answer.message).id === id,
        }),
        decode(answers),
      ),
    ),
  )
  .subscribe({ next: console.log, error: (e) => console.error(e.code), complete: () => rx.close() });
