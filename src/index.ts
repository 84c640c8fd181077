/* Socket */
export { createUDPSocket } from './socket/create-udp-socket';
export type {
  UDPCloseResult,
  UDPConnectOption,
  UDPErrorResult,
  UDPListener,
  UDPListeningResult,
  UDPLocalInfo,
  UDPMessage,
  UDPMessageResult,
  UDPSendCallback,
  UDPSendOption,
  UDPSocket,
  UDPSocketLike,
  UDPSocketOptions,
} from './socket/types';

/* Driver */
export { createNodeDgramDriver, nodeDgramDriver } from './driver/node-dgram-driver';
export type { NodeDgramDriverOptions } from './driver/node-dgram-driver';
export type {
  UDPAddressInfo,
  UDPLookupFunction,
  UDPRemoteInfo,
  UDPSocketType,
  UdpDoneCallback,
  UdpDriver,
  UdpHandle,
  UdpHandleOptions,
  UdpHandleSink,
} from './driver/udp-driver';

/* Errors */
export { UDPSocketError, errCodeOf, isUDPSocketError, toUDPSocketError } from './errors';
export type { UDPErrCode, UDPOperation, UDPSocketErrorOptions } from './errors';
