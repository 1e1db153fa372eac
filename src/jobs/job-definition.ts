/**
 * What the runner and the scheduler need to know about a job. Each collector exports one; nothing here
 * depends on Nest, so the config schema can read the defaults without loading any module.
 */
export interface JobParams {
  /** How many items the job works on; `null` means "all" (only where `limit.nullable`). */
  limit: number | null;
}

export interface JobDefinition {
  /** Stable key stored in `job_runs.job_key` and used as the cron job name. */
  readonly key: string;
  /** Prefix of the job's environment variables (`<PREFIX>_ENABLED`, `_SCHEDULE`, `_LIMIT`, `_TIMEOUT_MS`). */
  readonly envPrefix: string;
  /** 6-field cron expression (UTC) used when `<PREFIX>_SCHEDULE` is not set. */
  readonly defaultSchedule: string;
  readonly defaultLimit: number | null;
  readonly limit: { readonly min: number; readonly max: number; readonly nullable: boolean };
  /** Jobs that must have succeeded at least once before this one can run. */
  readonly dependsOn: readonly string[];
  /** The run label shown in logs and `job_name`, e.g. `top_coins_collection(limit=100)`. */
  label(params: JobParams): string;
}

export const DEFAULT_JOB_TIMEOUT_MS = 15 * 60 * 1000;

export function limitLabel(key: string, params: JobParams): string {
  return `${key}(limit=${params.limit ?? 'all'})`;
}
