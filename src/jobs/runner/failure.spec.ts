import { describe, expect, it } from 'vitest';
import { STATEMENT_TIMEOUT_MESSAGE } from '../../database/statement-timeout.js';
import {
  DependencyFailedError,
  JobCancelledError,
  JobInterruptedError,
  JobTimeoutError,
  RunAbandonedError,
} from '../job-errors.js';
import { endStatus, failureOf } from './failure.js';

describe('failureOf', () => {
  it.each([
    [new JobTimeoutError(100), 'timeout', 'timed out after 100 ms'],
    [new JobInterruptedError(), 'interrupted', 'interrupted by shutdown'],
    [
      new RunAbandonedError('r1'),
      'interrupted',
      'run r1 was marked abandoned by another instance (missed heartbeats); its work was stopped',
    ],
    [new JobCancelledError('alice'), 'cancelled', 'cancelled by alice'],
    [new DependencyFailedError('top', 'boom'), 'dependency', 'dependency top failed: boom'],
    [
      new DependencyFailedError('top', 'CoinGecko 503', true),
      'upstream',
      'dependency top failed: CoinGecko 503',
    ],
    [Object.assign(new Error('CoinGecko 429'), { upstream: true }), 'upstream', 'CoinGecko 429'],
    [new Error('bug\nstack detail'), 'internal', 'bug'],
    [
      Object.assign(new Error('update "assets" set … - canceling statement due to statement timeout'), {
        code: '57014',
      }),
      'internal',
      STATEMENT_TIMEOUT_MESSAGE,
    ],
  ])('%s is %s', (error, kind, message) => {
    expect(failureOf(error)).toEqual({ kind, message });
  });
});

describe('endStatus', () => {
  it('is abandoned on shutdown, cancelled on cancel, failed otherwise', () => {
    expect(endStatus(undefined, false)).toBe('succeeded');
    expect(endStatus(new JobInterruptedError(), true)).toBe('abandoned');
    expect(endStatus(new JobCancelledError('bob'), true)).toBe('cancelled');
    expect(endStatus(new JobTimeoutError(1), true)).toBe('failed');
  });
});
