// Result lines on their way to a spool: batched into Buffers, in order, whatever the count.
import { describe, expect, it } from 'vitest';
import { LineBatch } from '../../emulator/bulk2/result-spool.js';

const linesOf = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `"row ${from + i}","é ${from + i}"\n`);

describe('LineBatch', () => {
  it.each([0, 1, 99, 100, 101, 250, 1000])('hands back %i lines in order, as UTF-8', (n) => {
    const batch = new LineBatch();
    for (const line of linesOf(n)) batch.add(line);
    expect(batch.lines).toBe(n);
    const taken = batch.take();
    expect(Buffer.concat(taken).toString('utf8')).toBe(linesOf(n).join(''));
    expect(batch.lines).toBe(0);
  });

  it('starts over after take()', () => {
    const batch = new LineBatch();
    for (const line of linesOf(150)) batch.add(line);
    batch.take();
    for (const line of linesOf(30, 150)) batch.add(line);
    expect(batch.lines).toBe(30);
    expect(Buffer.concat(batch.take()).toString('utf8')).toBe(linesOf(30, 150).join(''));
    expect(batch.take()).toEqual([]);
  });
});
