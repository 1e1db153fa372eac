import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobRunRecord, NewRun } from '../job-runs.repository.js';
import { RunClaimer } from './claiming.js';

const logger = pino({ level: 'silent' });
const SLOT = new Date('2026-03-01T10:15:00Z');

function record(overrides: Partial<JobRunRecord> = {}): JobRunRecord {
  return {
    id: 'run-1',
    jobKey: 'demo',
    jobName: 'demo',
    trigger: 'schedule',
    scheduledFor: SLOT,
    status: 'running',
    attempts: 1,
    params: {},
    startedAt: SLOT,
    completedAt: null,
    durationMs: null,
    heartbeatAt: SLOT,
    owner: 'other',
    itemsProcessed: 0,
    itemsCreated: 0,
    itemsUpdated: 0,
    itemsSkipped: 0,
    custom: {},
    progress: null,
    error: null,
    cancelRequestedAt: null,
    cancelledBy: null,
    queuedAt: null,
    ...overrides,
  };
}

const request = (slot: Date | null): NewRun => ({
  jobKey: 'demo',
  jobName: 'demo',
  trigger: slot ? 'schedule' : 'manual',
  slot,
  params: {},
  owner: 'me',
  queued: false,
});

/** The queries as a scripted fake: each method answers from its queue (the last answer repeats). */
function fakeRuns(script: {
  claim?: (JobRunRecord | undefined)[];
  findBySlot?: (JobRunRecord | undefined)[];
  reclaimAbandoned?: (JobRunRecord | undefined)[];
  findRunning?: (JobRunRecord | undefined)[];
  recordSkipped?: (JobRunRecord | undefined)[];
  abandonStale?: JobRunRecord[][];
}) {
  const calls: string[] = [];
  const answer = <T>(name: string, queue: T[] | undefined, fallback: T) => {
    calls.push(name);
    if (!queue || queue.length === 0) return Promise.resolve(fallback);
    return Promise.resolve(queue.length > 1 ? (queue.shift() as T) : queue[0]);
  };
  return {
    calls,
    runs: {
      claim: () => answer('claim', script.claim, undefined),
      findBySlot: () => answer('findBySlot', script.findBySlot, undefined),
      reclaimAbandoned: () => answer('reclaimAbandoned', script.reclaimAbandoned, undefined),
      findRunning: () => answer('findRunning', script.findRunning, undefined),
      recordSkipped: (_run: NewRun, reason: string) =>
        answer('recordSkipped', script.recordSkipped, record({ status: 'skipped', error: reason })),
      abandonStale: () => answer('abandonStale', script.abandonStale, [] as JobRunRecord[]),
    },
  };
}

describe('RunClaimer', () => {
  it('claims a free job', async () => {
    const mine = record({ owner: 'me' });
    const { runs } = fakeRuns({ claim: [mine] });
    expect(await new RunClaimer(runs, logger, 5000).claim(request(null), false)).toEqual({
      kind: 'claimed',
      run: mine,
    });
  });

  it('hands back the running run when a run without a slot loses', async () => {
    const running = record();
    const { runs } = fakeRuns({ findRunning: [running] });
    expect(await new RunClaimer(runs, logger, 5000).claim(request(null), false)).toEqual({
      kind: 'already_running',
      running,
    });
  });

  it('answers slot_taken when the slot already has a run', async () => {
    const existing = record({ status: 'succeeded' });
    const { runs, calls } = fakeRuns({ findBySlot: [existing] });
    expect(await new RunClaimer(runs, logger, 5000).claim(request(SLOT), false)).toEqual({
      kind: 'slot_taken',
      existing,
    });
    expect(calls).not.toContain('findRunning');
  });

  it('records a skipped run when the slot finds the job busy', async () => {
    const running = record({ id: 'busy', scheduledFor: null });
    const { runs } = fakeRuns({ findRunning: [running] });
    const outcome = await new RunClaimer(runs, logger, 5000).claim(request(SLOT), false);
    expect(outcome).toMatchObject({
      kind: 'skipped',
      running,
      skipped: { status: 'skipped', error: 'skipped: demo was already running (run busy, owner other)' },
    });
  });

  it('takes over an abandoned slot run only when asked to', async () => {
    const abandoned = record({ status: 'abandoned', error: 'interrupted by shutdown' });
    const reclaimed = record({ owner: 'me' });
    const script = { findBySlot: [abandoned], reclaimAbandoned: [reclaimed] };
    expect(await new RunClaimer(fakeRuns(script).runs, logger, 5000).claim(request(SLOT), true)).toEqual({
      kind: 'claimed',
      run: reclaimed,
    });
    expect(await new RunClaimer(fakeRuns(script).runs, logger, 5000).claim(request(SLOT), false)).toEqual({
      kind: 'slot_taken',
      existing: abandoned,
    });
  });

  it('sweeps a running run whose owner died and claims in the next round', async () => {
    const dead = record({ id: 'dead' });
    const mine = record({ id: 'mine', owner: 'me' });
    const { runs, calls } = fakeRuns({
      claim: [undefined, mine],
      findRunning: [dead],
      abandonStale: [[dead]],
    });
    expect(await new RunClaimer(runs, logger, 5000).claim(request(null), false)).toEqual({
      kind: 'claimed',
      run: mine,
    });
    expect(calls).toEqual(['claim', 'findRunning', 'abandonStale', 'claim']);
  });

  it('gives up after a few rounds of a job that keeps changing state', async () => {
    const { runs } = fakeRuns({});
    await expect(new RunClaimer(runs, logger, 5000).claim(request(null), false)).rejects.toThrow(
      'could not claim a run of demo: the job kept changing state',
    );
  });
});
