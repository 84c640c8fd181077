/**
 * Recipe: an Angular service that owns a UDP socket — for server-side rendering (the Node process
 * of Angular SSR) or a desktop app (Electron's main process), where Node sockets exist.
 *
 * The service opens the socket when it is created, exposes the readings as an Observable and
 * the latest one as a signal, and closes the socket when its injector is destroyed: the reading
 * subscription ends through `takeUntilDestroyed(destroyRef)`, the socket through
 * `destroyRef.onDestroy`. Nothing outlives the app.
 *
 * Type-checked against `@angular/core` (a devDependency of this repository). `main()` runs the
 * service in a plain Angular injector, no browser and no compiler needed, and destroys it
 * (spec/examples/angular-udp-service.spec.ts runs it in a child process: Angular ships ES modules only).
 *
 * Run it: `npx tsx examples/angular-udp.service.ts` (loopback only).
 */
import { DestroyRef, Injectable, InjectionToken, Injector, inject, signal, type Provider } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { type Observable, filter, firstValueFrom, share } from 'rxjs';
import { createUDPSocket, decode, fromUDPSocket, json, type RxUDPSocket, type SendReceipt, type UDPTarget } from '../src/node';

/** A reading as the devices send it. */
export interface Reading {
  device: string;
  value: number;
}

/** Where the service listens. */
export interface UdpTelemetryConfig {
  /** The port; 0 lets the OS choose. */
  port: number;
  /** The address to bind, e.g. `'127.0.0.1'` or `'0.0.0.0'`. */
  address: string;
}

/** The configuration of {@link UdpTelemetryService}. */
export const UDP_TELEMETRY_CONFIG = new InjectionToken<UdpTelemetryConfig>('UDP_TELEMETRY_CONFIG');

const isReading = (value: unknown): value is Reading =>
  typeof (value as Reading | null)?.device === 'string' && typeof (value as Reading).value === 'number';

/** Owns one socket for the life of its injector. */
@Injectable({ providedIn: 'root' })
export class UdpTelemetryService {
  private readonly destroyRef = inject(DestroyRef);
  private readonly rx: RxUDPSocket = fromUDPSocket(createUDPSocket('udp4'));

  /** The port the socket is bound to. */
  readonly port: number;
  /** Every reading, while anyone listens (hot: one socket listener shared by all subscribers). */
  readonly readings$: Observable<Reading> = this.rx.message$.pipe(decode(json<Reading>({ validate: isReading })), share());
  /** The latest reading, for templates. */
  readonly latest = signal<Reading | undefined>(undefined);

  constructor() {
    const { port, address } = inject(UDP_TELEMETRY_CONFIG);
    this.port = this.rx.bind(port, address);
    // the subscription ends with the injector...
    this.readings$.pipe(takeUntilDestroyed(this.destroyRef)).subscribe((reading) => this.latest.set(reading));
    // ...and so does the socket
    this.destroyRef.onDestroy(() => this.rx.close());
  }

  /** Whether the socket is closed (after the injector was destroyed). */
  get closed(): boolean {
    return this.rx.state === 'closed';
  }

  /**
   * Sends a command to a device.
   *
   * @returns a cold Observable: subscribe to send; one receipt once handed to the OS.
   */
  send(target: UDPTarget, command: string): Observable<SendReceipt> {
    return this.rx.send({ ...target, message: command });
  }
}

/**
 * The providers of the service: `bootstrapApplication(App, { providers: [provideUdpTelemetry({ ... })] })`.
 *
 * @param config - where to listen.
 */
export function provideUdpTelemetry(config: UdpTelemetryConfig): Provider[] {
  return [{ provide: UDP_TELEMETRY_CONFIG, useValue: config }];
}

/**
 * Runs the service in an Angular injector: one reading arrives, then the injector is destroyed.
 *
 * @param log - where to print.
 * @returns the latest reading seen, and whether the socket was closed with the injector.
 */
export async function main(log: (line: string) => void = console.log): Promise<{ latest: Reading | undefined; closed: boolean }> {
  const injector = Injector.create({
    providers: [
      provideUdpTelemetry({ port: 0, address: '127.0.0.1' }),
      // in an app the CLI compiles @Injectable ahead of time; without the compiler, a factory does it
      { provide: UdpTelemetryService, useFactory: () => new UdpTelemetryService() },
    ],
  });
  const service = injector.get(UdpTelemetryService);
  const device = createUDPSocket();
  try {
    log(`service listening on 127.0.0.1:${service.port}`);
    const seen = firstValueFrom(service.readings$.pipe(filter(({ device: name }) => name === 'pump-1')));
    device.send({ address: '127.0.0.1', port: service.port, message: JSON.stringify({ device: 'pump-1', value: 4.2 }) });
    await seen;
    const latest = service.latest();
    log(`latest reading: ${JSON.stringify(latest)}`);
    injector.destroy();
    log(`injector destroyed, socket ${service.closed ? 'closed' : 'still open'}`);
    return { latest, closed: service.closed };
  } finally {
    device.close();
  }
}

if (process.argv[1]?.endsWith('angular-udp.service.ts') === true) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
