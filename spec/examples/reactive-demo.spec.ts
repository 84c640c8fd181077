import { reactiveDemo } from '../../examples/reactive-demo';

describe('examples/reactive-demo (npm start, reactive part)', () => {
  it('prints each line sent, received by the server and echoed back, then closes', async () => {
    const log: string[] = [];
    await reactiveDemo((line) => log.push(line));
    expect(log[0]).toMatch(/^ {2}server listening on 127\.0\.0\.1:\d+ \(openUDPSocket\)$/);
    expect(log.filter((l) => l.includes('client <-'))).toEqual([
      '  client <- "hello, rxjs" (request)',
      '  client <- "你好" (request)',
      '  client <- "bye" (request)',
    ]);
    expect(log.at(-1)).toBe('  client and server closed');
  });
});
