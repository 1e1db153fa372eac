import { describe, expect, it } from 'vitest';
import { defineJob } from '../job-definition.js';
import { parseCliArgs } from './cli-args.js';

const LIMITED = defineJob({
  key: 'limited',
  description: 'A job with bounds.',
  envPrefix: 'LIMITED',
  schedule: '0 0 0 * * *',
  limit: { default: 10, min: 1, max: 500, nullable: true },
  trigger: { path: 'limited', summary: 'Limited' },
});
const PLAIN = defineJob({
  key: 'plain',
  description: 'A job without a limit.',
  envPrefix: 'PLAIN',
  schedule: '0 0 0 * * *',
  trigger: { path: 'plain', summary: 'Plain' },
});
const JOBS = [LIMITED, PLAIN];
const parse = (...args: string[]) => parseCliArgs(args, JOBS);

describe('parseCliArgs', () => {
  it('reads a job, a limit in either form, all, and --no-wait', () => {
    expect(parse('limited')).toEqual({ kind: 'run', request: { job: LIMITED, wait: true } });
    expect(parse('limited', '--limit', '500')).toMatchObject({ request: { limit: 500, wait: true } });
    expect(parse('limited', '--limit=7', '--no-wait')).toMatchObject({ request: { limit: 7, wait: false } });
    expect(parse('--limit', 'ALL', 'limited')).toMatchObject({ request: { limit: null } });
  });

  it('answers help whatever else is on the line', () => {
    expect(parse('nope', '--wat', '-h')).toEqual({ kind: 'help' });
  });

  it('names each bad argument once, with the bounds of the job', () => {
    expect(parse('limited', '--limit', '501', '--limt', '5', 'extra', '--no-wait=1')).toEqual({
      kind: 'usage_error',
      problems: [
        'unknown option --limt',
        '--no-wait: takes no value',
        'unexpected argument extra (one job per run)',
        '--limit: must be an integer between 1 and 500, or all (got "501")',
      ],
    });
    expect(parse('plain', '--limit', '3')).toEqual({
      kind: 'usage_error',
      problems: ['--limit: plain takes no limit'],
    });
    expect(parse('limited', '--limit', '1', '--limit', '2')).toMatchObject({
      problems: ['--limit: given twice'],
    });
    // An unknown option does not swallow the job key that follows it.
    expect(parse('--wat', 'limited')).toEqual({ kind: 'usage_error', problems: ['unknown option --wat'] });
  });
});
