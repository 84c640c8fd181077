/**
 * `rxjs-udp/testing`: the virtual network, a deterministic in-memory UDP network on an RxJS
 * scheduler for marble tests.
 * @module rxjs-udp/testing
 */
/* Virtual network */
export { createVirtualNetwork } from './virtual-network';
export type {
  DatagramFate,
  DatagramTrace,
  ForgedDatagram,
  ForgedEndpoint,
  TrafficStats,
  VirtualHost,
  VirtualHostRef,
  VirtualNetwork,
  VirtualNetworkConfig,
  VirtualNetworkOptions,
  VirtualSocketOptions,
} from './types';

/* Errors */
export type { UDPTestingOperation } from '../errors';
