import { describe, expect, it } from 'vitest';
import { renderProgress } from './progress-bar.js';

describe('renderProgress', () => {
  const at = '2026-12-01T00:00:00.000Z';

  it('draws done/total with a percentage', () => {
    expect(renderProgress('job(limit=3000)', { done: 1000, total: 3000, updated_at: at })).toBe(
      `[${'#'.repeat(10)}${'-'.repeat(20)}]  33% 1000/3000 job(limit=3000)`,
    );
    expect(renderProgress('job', { done: 5, total: 5, updated_at: at })).toBe(
      `[${'#'.repeat(30)}] 100% 5/5 job`,
    );
  });

  it('says what it knows when there is no total yet, or no progress at all', () => {
    expect(renderProgress('job', { done: 7, total: null, updated_at: at })).toBe(
      `[${'?'.repeat(30)}] 7 done job`,
    );
    expect(renderProgress('job', null)).toBe(`[${' '.repeat(30)}] starting job`);
  });
});
