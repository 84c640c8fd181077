import { UDPSocketError } from '../errors';
import type { UDPDriver } from './udp-driver';

/**
 * The driver `createUDPSocket()` uses when none is given. The platform-free core has none: the
 * Node entry of the package (`src/node/register.ts`, picked by the `"node"` export condition)
 * installs the node:dgram driver, so the core never imports a Node module itself.
 */
let installed: UDPDriver | undefined;

/**
 * Installs the default driver of this copy of the package (done by the Node entry).
 * @param driver - the driver `createUDPSocket()` uses without a `driver` option.
 */
export function setDefaultDriver(driver: UDPDriver): void {
  installed = driver;
}

/**
 * The default driver, or — on a platform without one (a browser, a mini-program) — `null` after
 * adding to `errors` the error that tells what to do instead.
 * @param errors - where the missing-driver error goes.
 * @returns the driver, or null.
 */
export function defaultDriver(errors: UDPSocketError[]): UDPDriver | null {
  if (installed !== undefined) return installed;
  errors.push(
    new UDPSocketError(
      'ERR_SOCKET_NO_DRIVER',
      'createUDPSocket',
      "no UDP driver on this platform: wrap the platform's socket with fromUDPSocket(wx.createUDPSocket()) " +
        '(or Taro.createUDPSocket()), or pass options.driver (createVirtualNetwork().driver in tests); the socket is closed',
    ),
  );
  return null;
}
