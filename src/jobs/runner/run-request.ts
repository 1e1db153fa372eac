import type { JobSettings } from '../../config/app-config.js';
import type { JobFunction } from '../job-context.js';
import { DEFAULT_JOB_TIMEOUT_MS, type JobParams } from '../job-definition.js';
import type { JobRegistry } from '../job-registry.js';
import type { NewRun } from '../job-runs.repository.js';
import type { RunOptions } from './run-options.js';

/** A run request with every default applied: what to claim and how to run it. */
export interface ResolvedRun {
  request: NewRun;
  fn: JobFunction;
  timeoutMs: number;
  dependsOn: readonly string[];
  reclaimAbandoned: boolean;
}

export interface ResolveContext {
  registry: Pick<JobRegistry, 'get'>;
  byKey: Record<string, JobSettings>;
  owner: string;
  /** JOBS_MAX_CONCURRENT is set: runs are claimed `queued` and wait for a slot. */
  queueing: boolean;
}

/**
 * Applies the defaults: a registered job's configured `<PREFIX>_LIMIT` and `_TIMEOUT_MS` (else its
 * definition's), an ad-hoc function's own options (else no limit and 15 minutes).
 */
export function resolveRun(options: RunOptions, context: ResolveContext): ResolvedRun {
  const trigger = options.trigger ?? 'manual';
  const newRun = (jobKey: string, label: string, params: JobParams): NewRun => ({
    jobKey,
    jobName: label,
    trigger,
    slot: options.slot ?? null,
    params: { ...params },
    owner: context.owner,
    // A dependency runs inside the slot of the run that needs it: queueing it behind that run would deadlock.
    queued: context.queueing && trigger !== 'dependency',
  });
  if ('fn' in options) {
    const params: JobParams = options.params ?? { limit: null };
    return {
      request: newRun(options.name, options.label ?? options.name, params),
      fn: options.fn,
      timeoutMs: options.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS,
      dependsOn: options.dependsOn ?? [],
      reclaimAbandoned: false,
    };
  }
  const { definition, run } = context.registry.get(options.job);
  const configured = context.byKey[definition.key];
  const params: JobParams = {
    limit: configured?.limit ?? definition.limit?.default ?? null,
    ...options.params,
  };
  return {
    request: newRun(definition.key, definition.label(params), params),
    fn: run,
    timeoutMs: configured?.timeoutMs ?? definition.defaultTimeoutMs,
    dependsOn: definition.dependsOn,
    reclaimAbandoned: options.reclaimAbandoned ?? false,
  };
}
