/* Virtual network */
export { createVirtualNetwork } from './virtual-network';
export type {
  DatagramFate,
  DatagramTrace,
  ForgedDatagram,
  TrafficStats,
  VirtualHost,
  VirtualHostRef,
  VirtualNetwork,
  VirtualNetworkConfig,
  VirtualNetworkOptions,
  VirtualSocketOptions,
} from './types';
