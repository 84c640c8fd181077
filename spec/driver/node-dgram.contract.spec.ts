import { createUDPSocket } from 'rxjs-udp';
import { describeUDPSocketContract } from './contract';

describeUDPSocketContract({
  name: 'node:dgram',
  createSocket: (type, options) => createUDPSocket(type, options),
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
});
