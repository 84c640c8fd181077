import { from, mergeMap, of, switchMap } from 'rxjs';
import { createUDPSocket, decode, encode, fromUDPSocket, json, openUDPSocket, reply, request } from 'rxjs-udp';

interface Question { id: number; n: number }
interface Answer { id: number; square: number }
const questions = json<Question>();
const answers = json<Answer>();

// The server: bound when subscribed, closed on unsubscribe.
const server = openUDPSocket({ port: 41234, address: '127.0.0.1' })
  .pipe(switchMap((rx) => rx.message$.pipe(
    reply(rx, ({ message }) => {
      const { id, n } = questions.decode(message);
      return answers.encode({ id, square: n * n });
    }),
  )))
  .subscribe();

// The client: each question has an id; `match` pairs each answer with its question.
const client = fromUDPSocket(createUDPSocket());
const target = { address: '127.0.0.1', port: 41234 };
from([3, 4, 5])
  .pipe(
    mergeMap((n, id) =>
      of({ id, n }).pipe(
        encode(questions),
        request(client, target, {
          timeout: 500,
          retries: 2,
          match: (answer) => answers.decode(answer.message).id === id,
        }),
        decode(answers),
      ),
    ),
  )
  .subscribe({
    next: ({ id, square }) => console.log(id, square),
    error: (error) => console.error(error.code), // 'ETIMEDOUT' when nobody answers
    complete: () => {
      client.close();
      server.unsubscribe();
    },
  });
