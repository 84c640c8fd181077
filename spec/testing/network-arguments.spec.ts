import { isUDPSocketError } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createVirtualNetwork arguments', () => {
  it.each([5, {}, 'async'])('refuses a scheduler without schedule() (%p) with ERR_INVALID_ARG_TYPE', (scheduler) => {
    expect(thrown(() => createVirtualNetwork({ scheduler: scheduler as never }))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('names partition in the error of an unknown host', () => {
    const net = createVirtualNetwork();
    const error = thrown(() => net.partition('nope' as never, '127.0.0.1'));
    expect(isUDPSocketError(error) && error.operation).toBe('partition');
    expect(error).toMatchObject({ code: 'ERR_INVALID_ADDRESS', errCode: 1 });
  });

  it('names heal in the error of an unknown host', () => {
    const net = createVirtualNetwork();
    const error = thrown(() => net.heal('nope' as never));
    expect(isUDPSocketError(error) && error.operation).toBe('heal');
  });

  it('names addHost in the error of a bad host address', () => {
    const net = createVirtualNetwork();
    const error = thrown(() => net.addHost('not an ip'));
    expect(isUDPSocketError(error) && error.operation).toBe('addHost');
  });
});

describe('createVirtualNetwork(null)', () => {
  it('builds a network with the defaults, as with no options', () => {
    const net = createVirtualNetwork(null as never);
    expect(net.config).toEqual(createVirtualNetwork().config);
  });
});
