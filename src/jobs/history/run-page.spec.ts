import { describe, expect, it } from 'vitest';
import { runPageItemsJson, runPagePosition, type RunPageRow } from './run-page.js';
import { toRunView, type RunViewRow } from './run-view.js';

/*
 * The page writer against toRunView on the same run, for instants all over years 1–9999 (and either side
 * of 1970), written as PostgreSQL writes `extract(epoch from …)` and `to_char(…)`. The database side of
 * the same comparison is test/jobs/runs-page.integration.spec.ts.
 */

const FIRST_US = -62_135_596_800_000_000n;
const LAST_US = 253_402_300_799_999_999n;

/** `extract(epoch from t)` of PostgreSQL 14+: seconds with six decimals, the sign in front. */
function epochText(us: bigint): string {
  const magnitude = us < 0n ? -us : us;
  const text = `${magnitude / 1_000_000n}.${String(magnitude % 1_000_000n).padStart(6, '0')}`;
  return us < 0n ? `-${text}` : text;
}

/** `to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`: the fraction's digits are truncated, never rounded. */
function microsText(us: bigint): string {
  const ms = us >= 0n ? us / 1000n : -((-us + 999n) / 1000n);
  const micros = us - ms * 1000n;
  return `${new Date(Number(ms)).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}
const msText = (us: bigint): string => `${microsText(us).slice(0, 23)}Z`;

function randomInstant(random: () => number): bigint {
  const span = Number(LAST_US - FIRST_US);
  const pick = random();
  // Half anywhere in the range, half around now and 1970, where the runs are and where the sign flips.
  if (pick < 0.5) return FIRST_US + BigInt(Math.floor(random() * span));
  const around = pick < 0.75 ? 0 : 1_764_633_600_000_000;
  return BigInt(around + Math.floor((random() - 0.5) * 4e12));
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

interface Run {
  id: string;
  status: RunViewRow['status'];
  started: bigint;
  completed: bigint | null;
  heartbeat: bigint;
  scheduled: bigint | null;
  duration: number | null;
  error: string | null;
  /** When it began waiting for a concurrency slot; absent for a run that never queued. */
  queued?: bigint;
}

function rowsOf(run: Run): { page: RunPageRow; view: RunViewRow } {
  const params = { limit: 100 };
  const custom = { coins: 3, nested: { list: [1, 'two', null] } };
  const optional = (us: bigint | null, text: (us: bigint) => string) => (us === null ? null : text(us));
  const page: RunPageRow = {
    run: [
      run.id,
      run.status,
      'schedule',
      '1',
      run.duration === null ? '' : String(run.duration),
      '100',
      '0',
      '-3',
      '97',
      epochText(run.started),
      optional(run.completed, epochText) ?? '',
      epochText(run.heartbeat),
      optional(run.scheduled, epochText) ?? '',
      '{"limit": 100}',
      '{"coins": 3, "nested": {"list": [1, "two", null]}}',
      '',
      JSON.stringify('top_coins'),
      JSON.stringify('top_coins(limit=100)'),
      JSON.stringify('w-1'),
      run.error ? JSON.stringify(run.error) : '',
      run.queued === undefined ? '' : epochText(run.queued),
    ].join('\u0001'),
  };
  const view: RunViewRow = {
    id: run.id,
    job_key: 'top_coins',
    job_name: 'top_coins(limit=100)',
    trigger: 'schedule',
    scheduled_for: optional(run.scheduled, msText),
    queued_at: optional(run.queued ?? null, msText),
    status: run.status,
    attempts: 1,
    params,
    started_at: microsText(run.started),
    completed_at: optional(run.completed, msText),
    duration_ms: run.duration,
    heartbeat_at: msText(run.heartbeat),
    owner: 'w-1',
    items_processed: 100,
    items_created: 0,
    items_updated: -3,
    items_skipped: 97,
    custom,
    progress: null,
    error: run.error,
  };
  return { page, view };
}

describe('runPageItemsJson', () => {
  it('writes what JSON.stringify(toRunView(…)) writes, for times anywhere in years 1–9999', () => {
    const random = seeded(13);
    const statuses: RunViewRow['status'][] = ['running', 'queued', 'succeeded', 'failed', 'cancelled'];
    const runs: Run[] = Array.from({ length: 4000 }, (_, index) => {
      const started = randomInstant(random);
      const status = statuses[index % statuses.length];
      const clamp = (us: bigint) => (us > LAST_US ? LAST_US : us);
      return {
        id: `0b8f8a3e-2f6c-4a7e-9d55-${String(index).padStart(12, '0')}`,
        status,
        started,
        completed: status === 'running' || status === 'queued' ? null : clamp(started + 1_234_567n),
        heartbeat: clamp(started + 999n),
        scheduled: index % 3 === 0 ? null : started - (started % 1_000_000n),
        duration: status === 'running' || status === 'queued' ? null : index % 5000,
        error: status === 'failed' ? `failed "${index}"\n` : status === 'cancelled' ? '' : null,
        ...(index % 4 === 0
          ? { queued: started - 2_000_123n < FIRST_US ? FIRST_US : started - 2_000_123n }
          : {}),
      };
    });
    runs.push({
      id: '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10',
      status: 'running',
      started: FIRST_US,
      completed: null,
      heartbeat: LAST_US,
      scheduled: 0n,
      duration: null,
      error: null,
    });
    const now = Date.parse('2026-11-28T12:00:00.000Z');
    for (let start = 0; start < runs.length; start += 50) {
      const batch = runs.slice(start, start + 50).map(rowsOf);
      const expected = JSON.stringify(batch.map(({ view }) => toRunView(view, now)));
      expect(
        runPageItemsJson(
          batch.map(({ page }) => page),
          batch.length,
          now,
        ),
      ).toBe(expected);
      for (const { page, view } of batch) {
        expect(runPagePosition(page)).toEqual({ startedAt: view.started_at, id: view.id });
      }
    }
  });

  it('writes only the first `count` rows, and an empty page as []', () => {
    const run = rowsOf({
      id: '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10',
      status: 'succeeded',
      started: 1_764_633_600_012_345n,
      completed: 1_764_633_605_444_000n,
      heartbeat: 1_764_633_605_444_000n,
      scheduled: 1_764_633_600_000_000n,
      duration: 5432,
      error: null,
    });
    expect(runPageItemsJson([run.page, run.page], 1, 0)).toBe(JSON.stringify([toRunView(run.view, 0)]));
    expect(runPageItemsJson([run.page], 0, 0)).toBe('[]');
  });

  it('leaves to the view columns a time outside years 1–9999, infinity, or a row it does not know', () => {
    const base = rowsOf({
      id: '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10',
      status: 'succeeded',
      started: 0n,
      completed: 0n,
      heartbeat: 0n,
      scheduled: null,
      duration: 1,
      error: null,
    }).page;
    const withValue = (index: number, value: string): RunPageRow => {
      const values = base.run.split('\u0001');
      values[index] = value;
      return { run: values.join('\u0001') };
    };
    expect(runPageItemsJson([base], 1, 0)).toBeDefined();
    for (const odd of [
      epochText(FIRST_US - 1n),
      epochText(LAST_US + 1n),
      'Infinity',
      '-Infinity',
      '1764633600.12',
      '1764633600',
      '.123456',
      '-.123456',
      '',
    ]) {
      expect(runPageItemsJson([withValue(9, odd)], 1, 0)).toBeUndefined();
      expect(runPagePosition(withValue(9, odd))).toBeUndefined();
      if (odd !== '') expect(runPageItemsJson([withValue(10, odd)], 1, 0)).toBeUndefined();
      if (odd !== '') expect(runPageItemsJson([withValue(20, odd)], 1, 0)).toBeUndefined();
    }
    expect(runPageItemsJson([{ run: `${base.run}\u0001x` }], 1, 0)).toBeUndefined();
  });
});
