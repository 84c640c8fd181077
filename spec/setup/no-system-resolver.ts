/**
 * Keeps the suite hermetic: no test may resolve a name through the machine's resolver (it fails
 * without a network and sends queries off the machine). Every `node:dns` lookup a test causes is
 * answered with an error and fails that test; tests inject a `lookup` option instead
 * (spec/helpers/lookup.ts).
 */
// The module object itself (not an ES namespace copy): the driver reads its functions at call time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dns = require('node:dns') as typeof import('node:dns');

const INSTALLED = Symbol.for('rxjs-udp.spec.noSystemResolver');
const calls: string[] = [];

type Patched = typeof dns & { [INSTALLED]?: string[] };
const patched = dns as Patched;

if (patched[INSTALLED] === undefined) {
  patched[INSTALLED] = calls;
  const refuse = (name: string) =>
    function (hostname: unknown, ...rest: unknown[]): void {
      patched[INSTALLED]!.push(`dns.${name}(${String(hostname)})`);
      const callback = rest[rest.length - 1];
      const error = Object.assign(new Error(`test resolved ${String(hostname)} through the machine's resolver`), {
        code: 'ERR_TEST_NOT_HERMETIC',
      });
      if (typeof callback === 'function') process.nextTick(callback, error);
    };
  for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6'] as const) {
    Object.defineProperty(dns, name, { value: refuse(name), configurable: true, writable: true });
  }
}

afterEach(() => {
  const seen = patched[INSTALLED]!.splice(0);
  if (seen.length > 0) {
    throw new Error(`not hermetic: ${seen.join(', ')}; inject a lookup option (spec/helpers/lookup.ts)`);
  }
});
