import { UDPSocketError } from '../errors';
import { createPrng } from './prng';
import type { VirtualNetwork, VirtualNetworkConfig } from './types';

/** Largest UDP payload of Linux over IPv4 (65,535 - 20 IP - 8 UDP) and over IPv6 (65,535 - 8). */
const MAX_PAYLOAD4 = 65507;
const MAX_PAYLOAD6 = 65527;
/** IP + UDP header bytes, subtracted from the `mtu` to get the largest payload. */
const HEADERS4 = 28;
const HEADERS6 = 48;

function checkProbability(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new UDPSocketError('ERR_OUT_OF_RANGE', 'configure', `${name} must be a number in 0-1, got ${String(value)}`);
  }
  return value;
}

function checkDelay(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new UDPSocketError('ERR_OUT_OF_RANGE', 'configure', `${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * What the link does to datagrams: latency, jitter, loss, duplication, the MTU. Every random
 * decision is drawn from one seeded PRNG, in the order datagrams are sent, so the same seed and
 * the same sends give the same fates.
 */
export class FaultModel {
  latency = 0;
  jitter = 0;
  loss = 0;
  duplicate = 0;
  mtu: number | undefined = undefined;
  seed = 1;
  private random: () => number = createPrng(1);
  private limit4 = MAX_PAYLOAD4;
  private limit6 = MAX_PAYLOAD6;

  /** The current configuration, as {@link VirtualNetwork.config} shows it. */
  get config(): VirtualNetwork['config'] {
    return { latency: this.latency, jitter: this.jitter, loss: this.loss, duplicate: this.duplicate, mtu: this.mtu, seed: this.seed };
  }

  /**
   * Changes the given fields; checks all of them first, so a bad one changes nothing.
   * @throws UDPSocketError `ERR_OUT_OF_RANGE` for a value out of range, `ERR_INVALID_ARG_TYPE`
   * for a config that is not an object or a seed that is not a finite number.
   */
  configure(config: VirtualNetworkConfig): void {
    if (config === null || typeof config !== 'object') {
      throw new UDPSocketError('ERR_INVALID_ARG_TYPE', 'configure', `configure expects an options object, got ${String(config)}`);
    }
    const c = { ...this.config };
    if (config.latency !== undefined) c.latency = checkDelay('latency', config.latency);
    if (config.jitter !== undefined) c.jitter = Math.floor(checkDelay('jitter', config.jitter));
    if (config.loss !== undefined) c.loss = checkProbability('loss', config.loss);
    if (config.duplicate !== undefined) c.duplicate = checkProbability('duplicate', config.duplicate);
    if ('mtu' in config) {
      const mtu = config.mtu;
      if (mtu !== undefined && (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 68)) {
        throw new UDPSocketError('ERR_OUT_OF_RANGE', 'configure', `mtu must be an integer >= 68, got ${String(mtu)}`);
      }
      c.mtu = mtu;
    }
    if (config.seed !== undefined) {
      if (typeof config.seed !== 'number' || !Number.isFinite(config.seed)) {
        throw new UDPSocketError('ERR_INVALID_ARG_TYPE', 'configure', `seed must be a finite number, got ${String(config.seed)}`);
      }
      c.seed = config.seed;
    }
    this.latency = c.latency;
    this.jitter = c.jitter;
    this.loss = c.loss;
    this.duplicate = c.duplicate;
    this.mtu = c.mtu;
    this.limit4 = c.mtu === undefined ? MAX_PAYLOAD4 : Math.min(MAX_PAYLOAD4, c.mtu - HEADERS4);
    this.limit6 = c.mtu === undefined ? MAX_PAYLOAD6 : Math.min(MAX_PAYLOAD6, c.mtu - HEADERS6);
    if (config.seed !== undefined) {
      this.seed = c.seed;
      this.random = createPrng(c.seed);
    }
  }

  /** The largest payload a datagram of the family may carry. */
  maxPayload(v6: boolean): number {
    return v6 ? this.limit6 : this.limit4;
  }

  /** Draws whether the next datagram is lost; draws nothing without loss. */
  lost(): boolean {
    return this.loss !== 0 && this.random() < this.loss;
  }

  /** Draws whether the next datagram is duplicated; draws nothing without duplication. */
  duplicated(): boolean {
    return this.duplicate !== 0 && this.random() < this.duplicate;
  }

  /**
   * The delay of one datagram (or of one copy of a duplicated one): `latency + k`, `k` drawn
   * uniformly from 0..jitter; draws nothing without jitter.
   */
  delay(): number {
    const jitter = this.jitter;
    return jitter === 0 ? this.latency : this.latency + Math.floor(this.random() * (jitter + 1));
  }
}
