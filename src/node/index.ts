/**
 * `rxjs-udp/node`: everything of `rxjs-udp`, with node:dgram as the default driver of
 * `createUDPSocket()`, and the driver itself.
 * @module rxjs-udp/node
 */
/* Node: the node:dgram driver becomes the default of createUDPSocket() */
import './register';

/* Everything of the platform-free entry */
export * from '../index';

/* Driver */
export { createNodeDgramDriver, nodeDgramDriver } from './node-dgram-driver';
export type { NodeDgramDriverOptions } from './node-dgram-driver';
