export const ALERT_EVENTS = ['job_failing', 'job_recovered', 'job_overdue', 'price_anomaly'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/**
 * The webhook body. `text` is what Slack, Mattermost and Discord-style relays display; the other fields
 * are for receivers that parse them. Field names are the contract (DESIGN.md, section 7).
 */
export interface AlertPayload {
  text: string;
  event: AlertEvent;
  /** The job key. */
  job: string;
  run_id: string | null;
  /** The status of the run the alert is about (`failed`, `succeeded`), null for an overdue job. */
  status: string | null;
  error: string | null;
  consecutive_failures: number;
  /** `<ALERT_BASE_URL>/dashboard#/runs/<run_id>`; null without a base URL or a run. */
  run_url: string | null;
  /** When the alert was raised (ISO 8601, UTC). */
  at: string;
}

export interface AlertFacts {
  event: AlertEvent;
  job: string;
  runId: string | null;
  status: string | null;
  error: string | null;
  consecutiveFailures: number;
  at: Date;
  /** For `job_overdue`: how long the job has gone without a success, in ms. */
  overdueMs?: number;
  /** For `price_anomaly`: the flags newly recorded by one price write. */
  anomaly?: AnomalySummary;
}

/** What a `price_anomaly` alert says: how many new flags of each kind, and one of them as an example. */
export interface AnomalySummary {
  counts: Record<string, number>;
  example: { asset: string; timestamp: string; source: string; kind: string };
}

function anomalyHeadline(facts: AlertFacts): string {
  const { counts, example } = facts.anomaly ?? { counts: {}, example: undefined };
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const kinds = Object.entries(counts)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  const first = example
    ? `; e.g. ${example.kind} of ${example.asset} (${example.source}) at ${example.timestamp}`
    : '';
  return `:mag: Price anomaly: ${total} new flag(s) (${kinds}) written by ${facts.job}${first}`;
}

/** Errors are shown on one line and kept short: a chat message is not a log. */
const MAX_ERROR_CHARS = 500;

export function runUrl(baseUrl: string | undefined, runId: string | null): string | null {
  return baseUrl && runId ? `${baseUrl}/dashboard#/runs/${encodeURIComponent(runId)}` : null;
}

function oneLine(error: string): string {
  const line = error.replace(/\s+/g, ' ').trim();
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

function headline(facts: AlertFacts): string {
  switch (facts.event) {
    case 'job_failing':
      return `:rotating_light: Job ${facts.job} is failing: ${facts.consecutiveFailures} runs in a row failed`;
    case 'job_recovered':
      return `:white_check_mark: Job ${facts.job} recovered: it succeeded again`;
    case 'job_overdue':
      return `:warning: Job ${facts.job} is overdue: no successful run for ${duration(facts.overdueMs ?? 0)}`;
    case 'price_anomaly':
      return anomalyHeadline(facts);
  }
}

export function buildPayload(facts: AlertFacts, baseUrl: string | undefined): AlertPayload {
  const error = facts.error === null ? null : oneLine(facts.error);
  const url = runUrl(baseUrl, facts.runId);
  const lines = [headline(facts)];
  if (error) lines.push(`Last error: ${error}`);
  if (url) lines.push(`Run: ${url}`);
  return {
    text: lines.join('\n'),
    event: facts.event,
    job: facts.job,
    run_id: facts.runId,
    status: facts.status,
    error,
    consecutive_failures: facts.consecutiveFailures,
    run_url: url,
    at: facts.at.toISOString(),
  };
}
