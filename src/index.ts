/**
 * `rxjs-udp`: the WeChat / Taro `UDPSocket` API, the RxJS reactive layer and the codecs. Under
 * Node this entry is `rxjs-udp/node` (the `"node"` export condition), whose `createUDPSocket()`
 * uses node:dgram; elsewhere wrap the platform's socket with `fromUDPSocket`.
 * @module rxjs-udp
 */
/* Socket */
export { createUDPSocket } from './socket/create-udp-socket';
export type {
  UDPAbortSignal,
  UDPCloseResult,
  UDPConnectOption,
  UDPErrorResult,
  UDPListener,
  UDPListeningResult,
  UDPLocalInfo,
  UDPMessage,
  UDPMessageResult,
  UDPMessageResultLike,
  UDPSendCallback,
  UDPSendOption,
  UDPSocket,
  UDPSocketLike,
  UDPSocketOptions,
} from './socket/types';

/* Driver */
export type {
  UDPAddressInfo,
  UDPLookupFunction,
  UDPRemoteInfo,
  UDPSocketType,
  UDPDoneCallback,
  UDPDriver,
  UDPHandle,
  UDPHandleOptions,
  UDPHandleSink,
} from './driver/udp-driver';

/* Reactive */
export {
  bytes,
  decode,
  encode,
  filterByPeer,
  fromUDPSocket,
  groupByPeer,
  isRxUDPSocket,
  json,
  openUDPSocket,
  peerKey,
  rateLimitPerPeer,
  reply,
  request,
  RequestTimeoutError,
  sendTo,
  text,
} from './reactive';
export type {
  CodecValue,
  DecodeErrorHandler,
  DecodeInput,
  DroppedReply,
  FromSender,
  FromUDPSocketOptions,
  GroupByPeerCounters,
  GroupByPeerOptions,
  JsonCodecOptions,
  OpenUDPSocketOptions,
  PeerTablePolicy,
  RateLimitCounters,
  RateLimitKey,
  RateLimitPerPeerOptions,
  ReplyCounters,
  ReplyErrorHandler,
  ReplyOptions,
  ReplyResult,
  RequestOptions,
  RxUDPSocket,
  RxUDPSocketState,
  SendReceipt,
  SendOverflow,
  SendToOptions,
  SocketInput,
  UDPBytes,
  UDPCodec,
  UDPTarget,
} from './reactive';

/* Errors */
export { UDPSocketError, errCodeOf, isUDPSocketError, toUDPSocketError } from './errors';
export type { UDPErrCode, UDPOperation, UDPReactiveOperation, UDPSocketErrorOptions, UDPSocketOperation } from './errors';
