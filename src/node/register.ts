import { setDefaultDriver } from '../driver/default-driver';
import { nodeDgramDriver } from './node-dgram-driver';

// Under Node, createUDPSocket() without a driver uses node:dgram. This module is the package's
// one side effect (listed in package.json "sideEffects"): the Node entry imports it.
setDefaultDriver(nodeDgramDriver);
