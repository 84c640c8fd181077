import { asyncScheduler } from 'rxjs';
import { createVirtualNetwork, type VirtualNetwork } from 'rxjs-udp/testing';
import { LOOPBACK_ADDRESSES, describeUDPSocketContract } from './contract';

let net: VirtualNetwork = createVirtualNetwork({ scheduler: asyncScheduler });

describeUDPSocketContract({
  name: 'virtual network',
  createSocket: (type, options) => net.createUDPSocket(type, options),
  addresses: LOOPBACK_ADDRESSES,
  maxDatagramSize: 65507,
  beforeEach: () => {
    net = createVirtualNetwork({ scheduler: asyncScheduler });
  },
});
