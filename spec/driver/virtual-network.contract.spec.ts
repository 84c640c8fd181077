import { asyncScheduler } from 'rxjs';
import { createVirtualNetwork, type VirtualNetwork } from 'rxjs-udp/testing';
import { describeUDPSocketContract } from './contract';

let net: VirtualNetwork = createVirtualNetwork({ scheduler: asyncScheduler });

describeUDPSocketContract({
  name: 'virtual network',
  createSocket: (type, options) => net.createUDPSocket(type, options),
  addresses: {
    ipv4: '127.0.0.1',
    ipv6: '::1',
    ipv4Any: '0.0.0.0',
    ipv4Broadcast: '127.255.255.255',
    multicastGroup: '239.1.2.3',
    multicastInterface: '127.0.0.1',
    unresolvableHostname: 'nowhere.invalid',
    unavailableIpv4: '192.0.2.1',
  },
  maxDatagramSize: 65507,
  beforeEach: () => {
    net = createVirtualNetwork({ scheduler: asyncScheduler });
  },
});
