import { describe, expect, it } from 'vitest';
import { SharedReads } from './shared-reads.js';

/** A read the test ends by hand, recording what the "database" held when the read began. */
function controlledSource() {
  let value = 0;
  const reads: Array<{ sawValue: number; end: (error?: Error) => void }> = [];
  const load = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const sawValue = value;
      reads.push({ sawValue, end: (error) => (error ? reject(error) : resolve(sawValue)) });
    });
  return {
    load,
    reads,
    write: (next: number) => (value = next),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedReads', () => {
  it('gives the callers who come during a read one shared read that begins after they came', async () => {
    const shared = new SharedReads<number>();
    const source = controlledSource();

    const first = shared.read('page', source.load);
    await settle();
    expect(source.reads).toHaveLength(1);

    // Written and committed while the first read is in flight: a caller who comes now must see it.
    source.write(1);
    const second = shared.read('page', source.load);
    const third = shared.read('page', source.load);
    await settle();
    expect(source.reads).toHaveLength(1); // they wait; they do not start reads of their own

    source.reads[0].end();
    expect(await first).toBe(0);
    await settle();
    expect(source.reads).toHaveLength(2);
    source.reads[1].end();
    expect(await second).toBe(1);
    expect(await third).toBe(1);
    expect(shared.size).toBe(0);
  });

  it('keeps keys apart', async () => {
    const shared = new SharedReads<number>();
    const source = controlledSource();
    const a = shared.read('a', source.load);
    const b = shared.read('b', source.load);
    await settle();
    expect(source.reads).toHaveLength(2);
    source.reads.forEach((read) => read.end());
    await expect(Promise.all([a, b])).resolves.toEqual([0, 0]);
  });

  it('fails only the callers of a failed read, and the next read starts afresh', async () => {
    const shared = new SharedReads<number>();
    const source = controlledSource();
    const first = shared.read('page', source.load);
    const second = shared.read('page', source.load);
    await settle();
    source.reads[0].end(new Error('connection reset'));
    await expect(first).rejects.toThrow('connection reset');
    await settle();
    source.write(2);
    // `second` shares the read that started after the failure; its value is what the source held then.
    source.reads[1].end();
    expect(await second).toBe(0);
    expect(shared.size).toBe(0);

    const third = shared.read('page', source.load);
    await settle();
    source.reads[2].end();
    expect(await third).toBe(2);
  });

  it('catches a load that throws before returning a promise', async () => {
    const shared = new SharedReads<number>();
    await expect(
      shared.read('page', () => {
        throw new Error('bad query');
      }),
    ).rejects.toThrow('bad query');
    expect(shared.size).toBe(0);
  });
});
