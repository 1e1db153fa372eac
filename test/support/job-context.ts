import pino from 'pino';
import type { JobHandlerContext } from '../../src/jobs/framework/job-handler.decorator.js';
import type { JobDefinition, JobSettingsOf, ParamsOf } from '../../src/jobs/job-definition.js';
import { emptyMetrics } from '../../src/jobs/job-result.js';

export interface LoggedLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/**
 * The context the runner hands a job handler, without the runner: for unit specs that call a
 * collector's handler directly. Log lines are kept in `lines`.
 */
export function fakeJobContext<D extends JobDefinition>(options: {
  /** The job whose handler is called: `params` and `settings` are typed from it. */
  job: D;
  slot: Date;
  params: ParamsOf<D>;
  settings?: JobSettingsOf<D['settings']>;
  signal?: AbortSignal;
}): { ctx: JobHandlerContext<D>; lines: LoggedLine[]; progress: [number, number | null | undefined][] } {
  const lines: LoggedLine[] = [];
  const progress: [number, number | null | undefined][] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as LoggedLine) },
  );
  const ctx: JobHandlerContext<D> = {
    runId: '00000000-0000-0000-0000-000000000001',
    attempt: 1,
    logger,
    signal: options.signal ?? new AbortController().signal,
    slot: options.slot,
    params: options.params,
    metrics: emptyMetrics(),
    progress: (done, total) => progress.push([done, total]),
    settings: options.settings ?? ({} as JobSettingsOf<D['settings']>),
  };
  return { ctx, lines, progress };
}
