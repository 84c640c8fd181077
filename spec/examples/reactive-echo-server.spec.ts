import { main } from '../../examples/reactive-echo-server';

describe('examples/reactive-echo-server', () => {
  it('echoes every line back through reply, one request at a time, and closes both sockets', async () => {
    const log: string[] = [];
    await expect(main(['a', 'b', 'ç'], (line) => log.push(line))).resolves.toEqual(['a', 'b', 'ç']);
    expect(log.slice(1)).toEqual(['client -> a', 'client <- a', 'client -> b', 'client <- b', 'client -> ç', 'client <- ç']);
  });
});
