import { sql, type RawBuilder } from 'kysely';

/** The natural key of a raw price row, as far as the scan needs it. */
export interface WrittenPrice {
  assetId: string;
  timestamp: Date;
  source: string;
}

/** One series' written time range, both ends inclusive. */
export interface ScanRange {
  assetId: string;
  source: string;
  from: Date;
  to: Date;
}

export interface AnomalySettings {
  /** PRICE_SPIKE_FACTOR. */
  spikeFactor: number;
  /** PRICE_FREEZE_HOURS. */
  freezeHours: number;
}

/** A timestamp column as ISO 8601 UTC text to the second, whatever the session's time zone (a flag's detail). */
export const isoSecondsUtc = (column: string): RawBuilder<unknown> =>
  sql`to_char(${sql.raw(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** One range per series (asset and source) a write touched: from its earliest to its latest written point. */
export function scanRanges(written: readonly WrittenPrice[]): ScanRange[] {
  const ranges = new Map<string, ScanRange>();
  for (const { assetId, source, timestamp } of written) {
    const key = `${assetId}\u0000${source}`;
    const range = ranges.get(key);
    if (!range) ranges.set(key, { assetId, source, from: timestamp, to: timestamp });
    else if (timestamp < range.from) range.from = timestamp;
    else if (timestamp > range.to) range.to = timestamp;
  }
  return [...ranges.values()];
}

/**
 * The spikes and freezes among the points a write touched and the points whose judgement it can change, as rows
 * `(asset_id, timestamp, source, kind, detail)` (docs/providers.md, "Quality flags").
 *
 * Per series, the points read are: the two before the range (a point's left neighbour and, to judge that
 * neighbour, its own), the range, and after it the points within PRICE_FREEZE_HOURS (a point written into the
 * middle of a run moves that run's start, so later points may now reach the duration) plus two more. They are one
 * contiguous stretch of the series, so every point in it with a left and a right neighbour in it is judged for a
 * spike against its true neighbours; the stretch's last point waits for the next write. A freeze needs the start of
 * the point's run of equal prices: inside the stretch a window function finds it, and for the run the stretch begins
 * with, two index probes do (the last different price before it, then the first point after that one), however
 * far back that run started. Every read is an index range of one series, so the cost follows the points written,
 * never the history stored.
 */
export function anomalyCandidates(
  ranges: readonly ScanRange[],
  settings: AnomalySettings,
): RawBuilder<unknown> {
  const factor = sql`${settings.spikeFactor}::numeric`;
  const freeze = sql`make_interval(secs => ${settings.freezeHours * 3600}::float8)`;
  const series = sql`unnest(
      ${sql.val(ranges.map((range) => range.assetId))}::uuid[],
      ${sql.val(ranges.map((range) => range.source))}::text[],
      ${sql.val(ranges.map((range) => range.from.toISOString()))}::timestamptz[],
      ${sql.val(ranges.map((range) => range.to.toISOString()))}::timestamptz[]) as r(asset_id, source, t_from, t_to)`;
  const sameSeries = sql`p.asset_id = r.asset_id and p.source = r.source`;
  const columns = sql`p.timestamp, p.price_usd, p.volume_24h_usd`;
  return sql`
    with stretch as (
      select r.asset_id, r.source, x.timestamp, x.price_usd, x.volume_24h_usd
        from ${series}
       cross join lateral (
         (select ${columns} from asset_prices p
           where ${sameSeries} and p.timestamp < r.t_from order by p.timestamp desc limit 2)
         union all
         (select ${columns} from asset_prices p
           where ${sameSeries} and p.timestamp >= r.t_from and p.timestamp <= r.t_to + ${freeze})
         union all
         (select ${columns} from asset_prices p
           where ${sameSeries} and p.timestamp > r.t_to + ${freeze} order by p.timestamp limit 2)) x
    ),
    firsts as (
      select distinct on (asset_id, source) asset_id, source, timestamp, price_usd
        from stretch order by asset_id, source, timestamp
    ),
    first_runs as (
      select f.asset_id, f.source, coalesce(s.timestamp, f.timestamp) as run_start
        from firsts f
        left join lateral (
          select p.timestamp from asset_prices p
           where p.asset_id = f.asset_id and p.source = f.source
             and p.timestamp < f.timestamp and p.price_usd <> f.price_usd
           order by p.timestamp desc limit 1) d on true
        left join lateral (
          select p.timestamp from asset_prices p
           where p.asset_id = f.asset_id and p.source = f.source
             and p.timestamp > coalesce(d.timestamp, '-infinity') and p.timestamp <= f.timestamp
           order by p.timestamp limit 1) s on true
    ),
    neighbours as (
      select s.*,
             lag(s.timestamp) over w as prev_t, lag(s.price_usd) over w as prev_price,
             lead(s.timestamp) over w as next_t, lead(s.price_usd) over w as next_price,
             case when s.price_usd <> lag(s.price_usd) over w then 1 else 0 end as changed
        from stretch s
      window w as (partition by s.asset_id, s.source order by s.timestamp)
    ),
    runs as (
      select n.*, sum(n.changed) over (partition by n.asset_id, n.source order by n.timestamp) as run
        from neighbours n
    ),
    judged as (
      select u.*,
             case when u.run = 0 then f.run_start
                  else min(u.timestamp) over (partition by u.asset_id, u.source, u.run) end as run_start,
             u.price_usd > ${factor} * u.prev_price and u.price_usd > ${factor} * u.next_price as spike_up,
             u.price_usd * ${factor} < u.prev_price and u.price_usd * ${factor} < u.next_price as spike_down
        from runs u
        join first_runs f on f.asset_id = u.asset_id and f.source = u.source
    )
    select j.asset_id, j.timestamp, j.source, 'spike' as kind,
           jsonb_build_object(
             'direction', case when j.spike_up then 'up' else 'down' end,
             'price_usd', j.price_usd::text,
             'previous', jsonb_build_object('timestamp', ${isoSecondsUtc('j.prev_t')}, 'price_usd', j.prev_price::text),
             'next', jsonb_build_object('timestamp', ${isoSecondsUtc('j.next_t')}, 'price_usd', j.next_price::text),
             'factor', round(case when j.spike_up
                                  then least(j.price_usd / nullif(j.prev_price, 0), j.price_usd / nullif(j.next_price, 0))
                                  else least(j.prev_price, j.next_price) / nullif(j.price_usd, 0) end, 2)::float8,
             'threshold', ${factor}::float8) as detail
      from judged j
     where j.prev_price is not null and j.next_price is not null and (j.spike_up or j.spike_down)
    union all
    select j.asset_id, j.timestamp, j.source, 'freeze' as kind,
           jsonb_build_object(
             'price_usd', j.price_usd::text,
             'run_start', ${isoSecondsUtc('j.run_start')},
             'hours', round(extract(epoch from j.timestamp - j.run_start) / 3600, 2)::float8,
             'volume_24h_usd', j.volume_24h_usd::text,
             'threshold_hours', ${settings.freezeHours}::float8) as detail
      from judged j
     where j.timestamp - j.run_start >= ${freeze} and j.volume_24h_usd > 0`;
}
