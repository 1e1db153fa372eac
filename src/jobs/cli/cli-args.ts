import type { JobDefinition } from '../job-definition.js';

export interface CliRequest {
  job: JobDefinition;
  /** Absent: the job's configured `<PREFIX>_LIMIT`; `null`: all. */
  limit?: number | null;
  wait: boolean;
}

export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'run'; request: CliRequest }
  /** One line per bad argument, naming it and saying why. */
  | { kind: 'usage_error'; problems: string[] };

export const USAGE = `usage: npm run -s job -- <job key> [--limit <n>|all] [--no-wait]
       node dist/src/jobs/job.cli.js <job key> [--limit <n>|all] [--no-wait]

Runs one job now, through the same runner as the service (trigger "cli"), and prints its JobResult as JSON
on stdout; every log line goes to stderr, so the output can be piped to jq.

  --limit <n>|all  how many items (bounds from the job's definition); default: <PREFIX>_LIMIT
  --no-wait        print {run_id, status, status_url} as soon as the run has started instead of the
                   JobResult at its end (the process still runs the job to its end)
  --help           this text

Exit codes: 0 succeeded · 1 failed or cancelled · 2 usage or configuration error ·
            3 already running (stderr names the running run and its owner; stdout stays empty)
Ctrl-C (SIGINT) or SIGTERM cancels the run; a second one exits at once.`;

export function jobList(definitions: readonly JobDefinition[]): string {
  return definitions.map((definition) => definition.key).join(', ');
}

function limitRule(job: JobDefinition): string {
  const { limit } = job;
  if (!limit) return `${job.key} takes no limit`;
  return `must be an integer between ${limit.min} and ${limit.max}${limit.nullable ? ', or all' : ''}`;
}

function parseLimit(
  job: JobDefinition | undefined,
  raw: string,
): { value?: number | null; problem?: string } {
  if (!job) return {}; // the job itself is the problem, reported once
  const { limit } = job;
  if (!limit) return { problem: `--limit: ${limitRule(job)}` };
  const text = raw.trim().toLowerCase();
  if (text === 'all' && limit.nullable) return { value: null };
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < limit.min || value > limit.max) {
    return { problem: `--limit: ${limitRule(job)} (got ${JSON.stringify(raw)})` };
  }
  return { value };
}

/** Reads the command line against the registered job definitions; needs nothing booted. */
export function parseCliArgs(args: readonly string[], definitions: readonly JobDefinition[]): ParsedArgs {
  if (args.includes('--help') || args.includes('-h')) return { kind: 'help' };
  const problems: string[] = [];
  const positionals: string[] = [];
  const options: { name: string; value?: string }[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const [name = '', inline] = arg.split(/=(.*)/s, 2);
    if (name === '--limit') {
      let value = inline;
      const next = args[index + 1];
      // `--limit -1` is a bad value, `--limit --no-wait` a missing one.
      if (value === undefined && next !== undefined && !next.startsWith('--')) {
        value = next;
        index++;
      }
      options.push({ name, value });
    } else if (name === '--no-wait' && inline === undefined) options.push({ name });
    else if (name === '--no-wait') problems.push(`--no-wait: takes no value`);
    else {
      problems.push(`unknown option ${name}`);
      // `--limt 5` is one mistake, not two: its value goes with it (unless it is the job key).
      const next = args[index + 1];
      const isJob = definitions.some((definition) => definition.key === next);
      if (inline === undefined && next !== undefined && !next.startsWith('-') && !isJob) index++;
    }
  }

  const [key, ...extra] = positionals;
  const job = definitions.find((definition) => definition.key === key);
  if (key === undefined) problems.unshift(`missing the job key; jobs: ${jobList(definitions)}`);
  else if (!job) problems.unshift(`unknown job ${key}; jobs: ${jobList(definitions)}`);
  for (const argument of extra) problems.push(`unexpected argument ${argument} (one job per run)`);

  let limit: number | null | undefined;
  let wait = true;
  const seen = new Set<string>();
  for (const option of options) {
    if (seen.has(option.name)) {
      problems.push(`${option.name}: given twice`);
      continue;
    }
    seen.add(option.name);
    if (option.name === '--no-wait') wait = false;
    else if (job && !job.limit) problems.push(`--limit: ${limitRule(job)}`);
    else if (option.value === undefined || option.value === '') {
      problems.push(`--limit: needs a value${job ? ` (${limitRule(job).replace(/^must be /, '')})` : ''}`);
    } else {
      const parsed = parseLimit(job, option.value);
      if (parsed.problem) problems.push(parsed.problem);
      else limit = parsed.value;
    }
  }
  if (problems.length > 0 || !job) return { kind: 'usage_error', problems };
  return { kind: 'run', request: { job, ...(limit === undefined ? {} : { limit }), wait } };
}
