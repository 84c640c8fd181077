import { main } from '../../examples/request-client';

describe('examples/request-client', () => {
  it('gets every sum from the flaky server thanks to retries, and ETIMEDOUT from the silent peer after 2 tries', async () => {
    const log: string[] = [];
    await expect(main((line) => log.push(line))).resolves.toEqual({ sums: [3, 12, 42], silent: 'ETIMEDOUT after 2 tries' });
    expect(log).toHaveLength(2);
  });
});
