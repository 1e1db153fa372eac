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
  /**
   * The status of the run the alert is about (`failed`, `succeeded`; `running` for a `price_anomaly`, raised while
   * the writing run goes on), null for an overdue job and for an anomaly written outside any run.
   */
  status: string | null;
  error: string | null;
  consecutive_failures: number;
  /** `<ALERT_BASE_URL>/dashboard#/runs/<run_id>`; null without a base URL or a run. */
  run_url: string | null;
  /** When the alert was raised (ISO 8601, UTC). */
  at: string;
  /** `price_anomaly` only: the flags it is about. */
  anomaly?: AnomalySummary;
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

/**
 * What a `price_anomaly` alert says: the first write of the hour that recorded flags of its kind — how many, and
 * one of them as an example. Later flags of that kind and job in the same hour are not alerted (docs/operations.md).
 */
export interface AnomalySummary {
  kind: string;
  /** New flags of `kind` recorded by that one write. */
  count: number;
  /** The asset's CoinGecko id (its name everywhere else in the service), and its id in this service. */
  asset: string;
  asset_id: string;
  /** The flagged point (ISO 8601, UTC) and the provider whose row it is. */
  timestamp: string;
  source: string;
}

function anomalyHeadline(job: string, anomaly: AnomalySummary | undefined): string {
  if (!anomaly) return `:mag: Price anomaly written by ${job}`;
  const { kind, count, asset, source, timestamp } = anomaly;
  const others = count > 1 ? ` and ${count - 1} more` : '';
  return (
    `:mag: Price anomaly: ${count} new ${kind} flag(s) written by ${job}; ` +
    `${asset} (${source}) at ${timestamp}${others}. Further ${kind} flags of ${job} this hour are not alerted`
  );
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
      return anomalyHeadline(facts.job, facts.anomaly);
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
    ...(facts.anomaly ? { anomaly: facts.anomaly } : {}),
  };
}
