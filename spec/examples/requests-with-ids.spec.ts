import { main } from '../../examples/requests-with-ids';

describe('examples/requests-with-ids', () => {
  it('pairs each of 20 reordered, duplicated answers with its question by id: 20 answers, all right', async () => {
    const log: string[] = [];
    const answers = await main((line) => log.push(line));
    expect(answers).toEqual(Array.from({ length: 20 }, (_, id) => ({ id, square: (id + 1) ** 2 })));
    expect(log.at(-1)).toBe('20 answers for 20 questions, 0 paired wrongly');
  });
});
