import { createUDPSocket } from 'rxjs-udp';
import { LOOPBACK_ADDRESSES, describeUDPSocketContract } from './contract';

describeUDPSocketContract({
  name: 'node:dgram',
  createSocket: (type, options) => createUDPSocket(type, options),
  addresses: LOOPBACK_ADDRESSES,
  maxDatagramSize: 65507,
});
