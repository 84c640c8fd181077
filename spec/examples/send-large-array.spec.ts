import { chunksOf, main, Reassembly } from '../../examples/send-large-array';

describe('examples/send-large-array', () => {
  it('chunks a Float32Array into datagrams under 1,500 bytes and reassembles it in any order', () => {
    const samples = Float32Array.from({ length: 10_000 }, (_, i) => i / 3);
    const chunks = chunksOf(samples);
    expect(chunks.every((chunk) => chunk.byteLength <= 1408)).toBe(true);
    const reassembly = new Reassembly();
    for (const chunk of [...chunks].reverse()) reassembly.add(chunk.slice().buffer);
    expect(reassembly.missing).toBe(0);
    expect(reassembly.samples()).toEqual(samples);
  });

  it('main() gets one receipt per datagram for the whole array, with default sendTo options', async () => {
    const log: string[] = [];
    const { values, chunks, bounded } = await main((line) => log.push(line), 5_000, 100_000);
    expect(values.receipts).toBe(5_000);
    expect(chunks.receipts).toBe(chunks.sent);
    // a receipt means "handed to the OS": what arrives can only be fewer
    expect(values.received).toBeLessThanOrEqual(values.sent);
    expect(chunks.received).toBeLessThanOrEqual(chunks.sent);
    // a bounded buffer drops the oldest waiting values: every value pushed is either sent or dropped
    expect(bounded.receipts + bounded.dropped).toBe(bounded.pushed);
    expect(bounded.dropped).toBeGreaterThan(0);
    expect(log).toHaveLength(3);
  }, 30_000);
});
