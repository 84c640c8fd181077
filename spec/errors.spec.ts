import {
  RequestTimeoutError,
  UDPSocketError,
  errCodeOf,
  isUDPSocketError,
  toUDPSocketError,
  type UDPOperation,
  type UDPReactiveOperation,
  type UDPSocketOperation,
} from 'rxjs-udp';
import type { UDPTestingOperation } from 'rxjs-udp/testing';

describe('errCodeOf', () => {
  it.each([
    ['ERR_SOCKET_BAD_PORT', 2],
    ['ERR_INVALID_ADDRESS', 1],
    ['ENOTFOUND', 1],
    ['EAI_AGAIN', 1],
    ['EAI_FAIL', 1],
    ['EAI_NONAME', 1],
    ['ERR_INVALID_ADDRESS_FAMILY', 1],
    ['EACCES', -3],
    ['EPERM', -3],
    ['EADDRINUSE', -2],
    ['EADDRNOTAVAIL', -2],
    ['EMSGSIZE', -2],
    ['ECONNREFUSED', -2],
    ['EINVAL', -2],
    ['ENOBUFS', -2],
    ['ERR_SOCKET_BAD_TYPE', -1],
    ['ERR_INVALID_ARG_TYPE', -1],
    ['ERR_OUT_OF_RANGE', -1],
    ['ERR_SOCKET_ALREADY_BOUND', -1],
    ['ERR_SOCKET_DGRAM_NOT_RUNNING', -1],
    ['ERR_SOCKET_DGRAM_IS_CONNECTED', -1],
    ['ERR_SOCKET_DGRAM_NOT_CONNECTED', -1],
    ['ETIMEDOUT', -2],
    ['ERR_SOCKET_UNKNOWN', -1],
    ['', -1],
    ['eaddrinuse', -1],
  ] as const)('errCodeOf(%p) is %p', (code, errCode) => {
    expect(errCodeOf(code)).toBe(errCode);
  });
});

describe('UDPSocketError', () => {
  it('carries code, errCode, a WeChat errMsg, the operation and its cause', () => {
    const cause = new Error('boom');
    const error = new UDPSocketError('EADDRINUSE', 'bind', 'address already in use', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('UDPSocketError');
    expect(error.code).toBe('EADDRINUSE');
    expect(error.errCode).toBe(-2);
    expect(error.errMsg).toBe('bind:fail address already in use');
    expect(error.message).toBe(error.errMsg);
    expect(error.operation).toBe('bind');
    expect(error.cause).toBe(cause);
  });

  it('an explicit errCode overrides the derived one', () => {
    expect(new UDPSocketError('ETIMEDOUT', 'request', 'no reply', { errCode: -1 }).errCode).toBe(-1);
  });

  it('has no cause property when none is given', () => {
    expect('cause' in new UDPSocketError('ERR_OUT_OF_RANGE', 'setTTL', 'bad ttl')).toBe(false);
  });
});

describe('isUDPSocketError', () => {
  it('is true for a UDPSocketError', () => {
    expect(isUDPSocketError(new UDPSocketError('EINVAL', 'setTTL', 'invalid argument'))).toBe(true);
  });

  it('is true for a UDPSocketError of another copy of the library (same name, string code, numeric errCode)', () => {
    const foreign = Object.assign(new Error('send:fail x'), { name: 'UDPSocketError', code: 'EMSGSIZE', errCode: -2 });
    expect(isUDPSocketError(foreign)).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('x')],
    ['a node system error', Object.assign(new Error('x'), { code: 'EADDRINUSE' })],
    ['an Error named UDPSocketError without errCode', Object.assign(new Error('x'), { name: 'UDPSocketError', code: 'X' })],
    ['a plain object shaped like one', { name: 'UDPSocketError', code: 'X', errCode: -1 }],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'UDPSocketError'],
  ])('is false for %s', (_name, value) => {
    expect(isUDPSocketError(value)).toBe(false);
  });
});

describe('toUDPSocketError', () => {
  it('keeps the code of an OS error, derives errCode and keeps the error as cause', () => {
    const os = Object.assign(new Error('bind EADDRINUSE 127.0.0.1:80'), { code: 'EADDRINUSE' });
    const error = toUDPSocketError('bind', os);
    expect(error.code).toBe('EADDRINUSE');
    expect(error.errCode).toBe(-2);
    expect(error.errMsg.startsWith('bind:fail ')).toBe(true);
    expect(error.errMsg).toContain('bind EADDRINUSE 127.0.0.1:80');
    expect(error.cause).toBe(os);
  });

  it('returns a UDPSocketError unchanged', () => {
    const error = new UDPSocketError('EINVAL', 'setTTL', 'invalid argument');
    expect(toUDPSocketError('send', error)).toBe(error);
  });

  it.each([
    ['a string', 'oops'],
    ['an Error without code', new Error('oops')],
    ['an object with a numeric code', { code: 5 }],
    ['null', null],
  ])('gives ERR_SOCKET_UNKNOWN for %s', (_name, value) => {
    const error = toUDPSocketError('send', value);
    expect(error.code).toBe('ERR_SOCKET_UNKNOWN');
    expect(error.errCode).toBe(-1);
    expect(error.errMsg.startsWith('send:fail ')).toBe(true);
  });

  it('maps DNS failures to errCode 1', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND' });
    expect(toUDPSocketError('send', dns).errCode).toBe(1);
  });
});

describe('UDPSocketError across copies of the package (Symbol.for brand)', () => {
  /** The errors module loaded a second time: a class of its own, as a second copy of the package has. */
  function otherCopy(): typeof import('../src/errors') {
    let copy!: typeof import('../src/errors');
    jest.isolateModules(() => {
      copy = require('../src/errors') as typeof import('../src/errors');
    });
    return copy;
  }

  it('instanceof and isUDPSocketError hold both ways between two copies', () => {
    const copy = otherCopy();
    expect(copy.UDPSocketError).not.toBe(UDPSocketError);
    const foreign = new copy.UDPSocketError('EMSGSIZE', 'send', 'message too long');
    expect(foreign instanceof UDPSocketError).toBe(true);
    expect(isUDPSocketError(foreign)).toBe(true);
    const ours = new UDPSocketError('EINVAL', 'setTTL', 'invalid argument');
    expect(ours instanceof copy.UDPSocketError).toBe(true);
    expect(copy.isUDPSocketError(ours)).toBe(true);
    // toUDPSocketError keeps a foreign error as it is instead of wrapping it again.
    expect(toUDPSocketError('send', foreign)).toBe(foreign);
  });

  it('a subclass keeps its own instanceof: a plain UDPSocketError is no RequestTimeoutError', () => {
    const timeout = new RequestTimeoutError(3, 700, '127.0.0.1:53');
    expect(timeout instanceof UDPSocketError).toBe(true);
    expect(timeout instanceof RequestTimeoutError).toBe(true);
    expect(new UDPSocketError('ETIMEDOUT', 'request', 'no reply') instanceof RequestTimeoutError).toBe(false);
  });

  it.each([
    ['a plain Error', new Error('x')],
    ['an object shaped like one', { name: 'UDPSocketError', code: 'X', errCode: -1 }],
    ['null', null],
    ['a string', 'UDPSocketError'],
  ])('instanceof UDPSocketError is false for %s', (_name, value) => {
    expect(value instanceof UDPSocketError).toBe(false);
  });

  it('instanceof and isUDPSocketError answer false, without throwing, for a revoked Proxy and a Proxy whose traps throw', () => {
    const { proxy, revoke } = Proxy.revocable(new Error('x'), {});
    revoke();
    const hostile = new Proxy(new Error('x'), {
      get() {
        throw new Error('get trap');
      },
      getPrototypeOf() {
        throw new Error('getPrototypeOf trap');
      },
    });
    for (const value of [proxy, hostile]) {
      expect(value instanceof UDPSocketError).toBe(false);
      expect(isUDPSocketError(value)).toBe(false);
    }
  });

  it('the operation union is composed per layer: testing operations are not socket operations', () => {
    const socketOperation: UDPSocketOperation = 'bind';
    const testingOperation: UDPTestingOperation = 'partition';
    const reactiveOperation: UDPReactiveOperation = 'request';
    // @ts-expect-error addHost is an operation of the virtual network, not of the socket
    const notSocket: UDPSocketOperation = 'addHost';
    const all: UDPOperation[] = [socketOperation, testingOperation, reactiveOperation, notSocket];
    expect(all).toHaveLength(4);
  });
});
