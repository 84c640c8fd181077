// The host functions the platform-free core may use beyond ECMAScript: those every platform it
// runs on has (browsers, mini-program runtimes, Node). tsconfig.core.json type-checks src/
// (without src/node/) with only these and lib es2022.

/** Re-throws an unhandled error from a fresh task (src/internal/unhandled.ts), as RxJS does. */
declare function setTimeout(handler: () => void, timeout?: number): unknown;

/** Cancels a timer of `setTimeout` (src/driver/lookup-timeout.ts: a lookup answered in time, a socket closed). */
declare function clearTimeout(handle: unknown): void;
