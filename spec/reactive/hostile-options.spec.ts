import { Observable, asyncScheduler, isObservable, of } from 'rxjs';
import {
  UDPSocketError,
  createUDPSocket,
  decode,
  encode,
  filterByPeer,
  fromUDPSocket,
  groupByPeer,
  json,
  openUDPSocket,
  rateLimitPerPeer,
  reply,
  request,
  sendTo,
  text,
} from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { outcomeOf } from '../helpers/reactive';

/**
 * The contract of every factory and operator of the reactive layer: no argument makes it throw at
 * the call; a bad one makes it error when subscribed, with a UDPSocketError.
 */

const revoked = (): object => {
  const p = Proxy.revocable({}, {});
  p.revoke();
  return p.proxy;
};
const throwingGetter = (name: string): object =>
  Object.defineProperty({}, name, {
    get: () => {
      throw new Error('boom'); // names nothing: the error must name the option
    },
    enumerable: true,
  });
const throwingTraps = (): object =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('get');
      },
      has() {
        throw new Error('has');
      },
      ownKeys() {
        throw new Error('ownKeys');
      },
      getOwnPropertyDescriptor() {
        throw new Error('getOwnPropertyDescriptor');
      },
    },
  );

/** A message as `message$` emits it, for the operators that read messages. */
const message = {
  message: new ArrayBuffer(1),
  remoteInfo: { address: '127.0.0.1', family: 'IPv4', port: 1000, size: 1 },
  localInfo: { address: '127.0.0.1', family: 'IPv4', port: 7, size: 1 },
};

/** A socket on a network of its own: nothing here reaches the machine. */
const virtualSocket = () => createVirtualNetwork({ scheduler: asyncScheduler }).createUDPSocket();

interface Factory {
  readonly name: string;
  /** The fields of the hostile argument the factory reads. */
  readonly fields: readonly string[];
  /** Calls the factory with `hostile` in place of the argument under test. */
  readonly build: (hostile: unknown) => unknown;
  /** The code of the error when subscribed. */
  readonly code: string;
  /** Whether an unreadable field's error names it (`options.idle could not be read`). */
  readonly names: boolean;
}

const target = { address: '127.0.0.1', port: 9 };
const factories: Factory[] = [
  { name: 'fromUDPSocket(socket, options)', fields: ['scheduler'], build: (o) => fromUDPSocket(virtualSocket(), o as never).message$, code: 'ERR_INVALID_ARG_TYPE', names: false },
  { name: 'openUDPSocket(options)', fields: ['type', 'port', 'address', 'create', 'scheduler', 'reuseAddr'], build: (o) => openUDPSocket(o as never), code: 'ERR_INVALID_ARG_TYPE', names: true },
  { name: 'sendTo(socket, target, options)', fields: ['concurrency', 'bufferSize', 'overflow', 'onDrop'], build: (o) => sendTo(virtualSocket(), target, o as never), code: 'ERR_INVALID_ARG_TYPE', names: true },
  { name: 'sendTo(socket, target)', fields: ['address', 'port', 'setBroadcast'], build: (t) => sendTo(virtualSocket(), t as never, {}), code: 'ERR_INVALID_ARG_TYPE', names: false },
  { name: 'request(socket, target, options)', fields: ['timeout', 'match', 'retries', 'backoff', 'concurrency'], build: (o) => request(virtualSocket(), target, o as never), code: 'ERR_INVALID_ARG_TYPE', names: false },
  { name: 'request(socket, target)', fields: ['address', 'port'], build: (t) => request(virtualSocket(), t as never, { timeout: 1 }), code: 'ERR_INVALID_ARG_TYPE', names: false },
  {
    name: 'reply(socket, project, options)',
    fields: ['concurrency', 'bufferSize', 'overflow', 'onDrop', 'onError', 'amplificationLimit', 'counters'],
    build: (o) => reply(virtualSocket(), () => null, o as never),
    code: 'ERR_INVALID_ARG_TYPE',
    names: true,
  },
  { name: 'groupByPeer(options)', fields: ['idle', 'maxPeers', 'whenFull', 'counters', 'socket', 'scheduler'], build: (o) => groupByPeer(o as never), code: 'ERR_INVALID_ARG_TYPE', names: true },
  { name: 'rateLimitPerPeer(options)', fields: ['rate', 'burst', 'maxPeers', 'key', 'counters', 'socket', 'scheduler'], build: (o) => rateLimitPerPeer(o as never), code: 'ERR_INVALID_ARG_TYPE', names: true },
  { name: 'decode(codec)', fields: ['decode'], build: (c) => decode(c as never), code: 'ERR_INVALID_ARG_TYPE', names: false },
  { name: 'decode(codec, onError)', fields: ['next'], build: (h) => decode(text, h as never), code: 'ERR_INVALID_ARG_TYPE', names: false },
  { name: 'encode(codec)', fields: ['encode'], build: (c) => encode(c as never), code: 'ERR_INVALID_ARG_TYPE', names: false },
  // Its argument is an address string: any object is a bad address.
  { name: 'filterByPeer(address)', fields: [], build: (a) => filterByPeer(a as never), code: 'ERR_INVALID_ADDRESS', names: false },
];

/** What subscribing gives: a factory's Observable, or an operator applied to one message. */
function observableOf(made: unknown): Observable<unknown> {
  return isObservable(made) ? made : of(message).pipe(made as never);
}

/** Calls `build(hostile)`; the error it reports when subscribed, or what happened instead. */
function errorOf(build: () => unknown): UDPSocketError | string {
  let made: unknown;
  try {
    made = build();
  } catch (thrown) {
    return `threw at the call: ${String(thrown)}`;
  }
  let error: unknown = 'no error';
  try {
    observableOf(made)
      .subscribe({ error: (e: unknown) => (error = e) })
      .unsubscribe();
  } catch (thrown) {
    return `threw at subscribe: ${String(thrown)}`;
  }
  return error instanceof UDPSocketError ? error : `not a UDPSocketError: ${String(error)}`;
}

const cases = factories.flatMap((f) => [
  { factory: f.name, input: 'a revoked Proxy', build: () => f.build(revoked()), code: f.code, field: undefined as string | undefined },
  { factory: f.name, input: 'a Proxy whose get, has and ownKeys traps throw', build: () => f.build(throwingTraps()), code: f.code, field: undefined },
  ...f.fields.map((field) => ({ factory: f.name, input: `a throwing ${field} getter`, build: () => f.build(throwingGetter(field)), code: f.code, field: f.names ? field : undefined })),
]);

describe('factories and operators never throw at the call: a hostile argument errors when subscribed', () => {
  it.each(cases)('$factory given $input: no throw, $code when subscribed', ({ build, code, field }) => {
    const error = errorOf(build);
    expect(error).toBeInstanceOf(UDPSocketError);
    expect((error as UDPSocketError).code).toBe(code);
    if (field !== undefined) expect((error as UDPSocketError).message).toMatch(new RegExp(`\\boptions\\.${field}\\b`));
  });
});

describe('options are read once each: what is checked is what is used', () => {
  const counted = (fields: readonly string[], values: Record<string, unknown>): { options: object; reads: Record<string, number> } => {
    const reads: Record<string, number> = {};
    const options = {};
    for (const field of fields) {
      reads[field] = 0;
      Object.defineProperty(options, field, {
        get: () => {
          reads[field]!++;
          return values[field];
        },
        enumerable: true,
      });
    }
    return { options, reads };
  };

  it.each([
    ['groupByPeer', ['idle', 'maxPeers', 'whenFull', 'counters', 'socket', 'scheduler'], { idle: 10, maxPeers: 5, whenFull: 'drop-new', counters: {}, scheduler: asyncScheduler }, (o: object) => groupByPeer(o)],
    ['rateLimitPerPeer', ['rate', 'burst', 'maxPeers', 'key', 'counters', 'socket', 'scheduler'], { rate: 10, burst: 2, maxPeers: 5, key: 'peer', counters: {}, scheduler: asyncScheduler }, (o: object) => rateLimitPerPeer(o)],
    ['reply', ['concurrency', 'bufferSize', 'overflow', 'onDrop', 'onError', 'amplificationLimit', 'counters'], { concurrency: 2, amplificationLimit: 3, counters: {} }, (o: object) => reply(virtualSocket(), () => null, o)],
    ['sendTo', ['concurrency', 'bufferSize', 'overflow', 'onDrop'], { concurrency: 2, bufferSize: 4, overflow: 'drop-oldest' }, (o: object) => sendTo(virtualSocket(), target, o)],
  ] as const)('%s reads each of its options exactly once, when called', (_, fields, values, build) => {
    const { options, reads } = counted(fields, values);
    build(options);
    expect(reads).toEqual(Object.fromEntries(fields.map((f) => [f, 1])));
  });
});

describe('counters the operator cannot write are refused when subscribed, naming counters', () => {
  const readOnly = (fields: readonly string[]): object => {
    const counters = {};
    for (const f of fields) Object.defineProperty(counters, f, { value: 0, writable: false, enumerable: true });
    return counters;
  };
  const operators = [
    ['groupByPeer', ['live', 'opened', 'idled', 'evicted', 'dropped'], (counters: object) => groupByPeer({ counters: counters as never })],
    ['rateLimitPerPeer', ['passed', 'dropped', 'peers', 'evicted'], (counters: object) => rateLimitPerPeer({ counters: counters as never })],
    ['reply', ['requestBytes', 'replyBytes', 'dropped', 'droppedBytes'], (counters: object) => reply(virtualSocket(), () => 'x', { counters: counters as never })],
  ] as const;
  const inputs: Array<[string, (fields: readonly string[]) => object]> = [
    ['a frozen empty object', () => Object.freeze({})],
    ['a frozen object with every count', (fields) => Object.freeze(Object.fromEntries(fields.map((f) => [f, 0])))],
    ['a sealed empty object', () => Object.seal({})],
    ['an object with read-only counts', readOnly],
  ];

  it.each(operators.flatMap(([name, fields, build]) => inputs.map(([input, make]) => ({ name, input, build: () => build(make(fields)) }))))(
    '$name given $input: no throw at the call, ERR_INVALID_ARG_VALUE naming counters when subscribed',
    ({ build }) => {
      const error = errorOf(build);
      expect(error).toBeInstanceOf(UDPSocketError);
      expect((error as UDPSocketError).code).toBe('ERR_INVALID_ARG_VALUE');
      expect((error as UDPSocketError).message).toMatch(/\bcounters\b/);
    },
  );

  it.each(operators.map(([name, fields, build]) => ({ name, fields, build })))('$name given a counter whose getter throws: ERR_INVALID_ARG_TYPE naming it', ({ fields, build }) => {
    const error = errorOf(() => build(throwingGetter(fields[0]!)));
    expect(error).toBeInstanceOf(UDPSocketError);
    expect((error as UDPSocketError).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((error as UDPSocketError).message).toMatch(new RegExp(`\\bcounters\\.${fields[0]}\\b`));
  });

  it('a sealed object that has every count is writable: groupByPeer counts into it', () => {
    const counters = Object.seal({ live: 0, opened: 0, idled: 0, evicted: 0, dropped: 0 });
    of(message).pipe(groupByPeer({ counters })).subscribe();
    expect(counters.opened).toBe(1);
  });
});

describe('json, whose codec reports per datagram', () => {
  it.each([
    ['a revoked Proxy', revoked()],
    ['a throwing reviver getter', throwingGetter('reviver')],
    ['a Proxy whose traps throw', throwingTraps()],
    ['null', null],
    ['a reviver that is no function', { reviver: 5 }],
  ])('json(%s) returns a codec whose decode reports the reason per datagram, never a throw at the call', (_, options) => {
    let codec: ReturnType<typeof json> | undefined;
    expect(() => (codec = json(options as never))).not.toThrow();
    const reported: string[] = [];
    const values: unknown[] = [];
    of(new TextEncoder().encode('{"a":1}')).pipe(decode(codec!, (e) => reported.push(e.code))).subscribe((v) => values.push(v));
    expect(values).toEqual([]);
    expect(reported).toEqual(['ERR_DATAGRAM_DECODE']);
  });
});

describe('fromUDPSocket with unreadable options', () => {
  it('returns a dead wrapper whose streams error with ERR_INVALID_ARG_TYPE', () => {
    let rx: ReturnType<typeof fromUDPSocket> | undefined;
    const socket = createUDPSocket();
    expect(() => (rx = fromUDPSocket(socket, throwingTraps() as never))).not.toThrow();
    expect(outcomeOf(() => rx!.message$)).toBe('ERR_INVALID_ARG_TYPE');
    socket.close();
  });
});
