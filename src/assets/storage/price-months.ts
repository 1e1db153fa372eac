/**
 * The UTC months `asset_prices` is partitioned by. A partition holds `[from, to)` of one month and is named
 * `asset_prices_pYYYYMM`; every bound is a UTC midnight, so a day or an hour never straddles two partitions.
 */
export interface PriceMonth {
  /** `asset_prices_pYYYYMM` */
  name: string;
  /** The first instant of the month, UTC. */
  from: Date;
  /** The first instant of the next month, UTC. */
  to: Date;
}

/** Partitions kept ahead of the writes: the current month and the next two. */
export const MONTHS_AHEAD = 3;

const PARTITION_NAME = /^asset_prices_p(\d{4})(\d{2})$/;

/** The month holding `at`. */
export function monthOf(at: Date): PriceMonth {
  return monthStarting(at.getUTCFullYear(), at.getUTCMonth());
}

/** `count` consecutive months starting with the one holding `at` (the current month plus the next ones). */
export function monthsFrom(at: Date, count: number): PriceMonth[] {
  return Array.from({ length: count }, (_, k) => monthStarting(at.getUTCFullYear(), at.getUTCMonth() + k));
}

/** The distinct months of some instants, oldest first. */
export function monthsOf(instants: Iterable<Date>): PriceMonth[] {
  const byName = new Map<string, PriceMonth>();
  for (const at of instants) {
    const month = monthOf(at);
    byName.set(month.name, month);
  }
  return [...byName.values()].sort((a, b) => a.from.getTime() - b.from.getTime());
}

/** The month a partition's name stands for, or undefined for a name that is not a monthly partition's. */
export function monthNamed(name: string): PriceMonth | undefined {
  const match = PARTITION_NAME.exec(name);
  if (!match) return undefined;
  const month = Number(match[2]) - 1;
  if (month < 0 || month > 11) return undefined;
  return monthStarting(Number(match[1]), month);
}

function monthStarting(year: number, month: number): PriceMonth {
  // Date.UTC carries a month past December into the next year.
  const from = new Date(Date.UTC(year, month, 1));
  const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  const label = `${from.getUTCFullYear()}${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name: `asset_prices_p${label}`, from, to };
}
