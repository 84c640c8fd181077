/* Node: the node:dgram driver becomes the default of createUDPSocket() */
import './register';

/* Everything of the platform-free entry */
export * from '../index';

/* Driver */
export { createNodeDgramDriver, nodeDgramDriver } from './node-dgram-driver';
export type { NodeDgramDriverOptions } from './node-dgram-driver';
