import { createUDPSocket } from 'rxjs-udp';
import { hostsLookup } from '../helpers/lookup';
import { LOOPBACK_ADDRESSES, describeUDPSocketContract } from './contract';

// The machine's resolver is never asked (hermetic tests): names resolve through a lookup that
// knows none of them, unless a test passes its own.
const noHosts = hostsLookup();

describeUDPSocketContract({
  name: 'node:dgram',
  createSocket: (type, options) => createUDPSocket(type, { lookup: noHosts, ...options }),
  addresses: LOOPBACK_ADDRESSES,
  maxDatagramSize: 65507,
});
