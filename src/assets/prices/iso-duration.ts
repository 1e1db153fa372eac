/**
 * ISO 8601 durations for `max_age` (`PT15M`, `PT6H`, `P1D`, `P7D`, `P2W`, `P1M`, `P1DT12H`): whole numbers of years,
 * months, weeks, days, hours, minutes and seconds. Years and months are calendar units, so they are applied to an
 * instant (`subtractDuration`) rather than turned into milliseconds: `P1M` before March 31 is February 28 or 29.
 */
export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION =
  /^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,7})H)?(?:(\d{1,9})M)?(?:(\d{1,10})S)?)?$/;

/** The duration, or undefined when the text is not one of the forms above or is zero. */
export function parseIsoDuration(text: string): IsoDuration | undefined {
  const match = DURATION.exec(text.toUpperCase());
  // `P`, `PT` and a `T` with nothing after it match the pattern but name no duration.
  if (!match || text.length < 3 || /T$/i.test(text)) return undefined;
  const [years, months, weeks, days, hours, minutes, seconds] = match
    .slice(1)
    .map((part) => Number(part ?? 0));
  const duration = { years, months, weeks, days, hours, minutes, seconds };
  return Object.values(duration).some((value) => value > 0) ? duration : undefined;
}

/** `at` minus `duration`, in UTC (calendar months clamp to the month's last day, as PostgreSQL does). */
export function subtractDuration(at: Date, duration: IsoDuration): Date {
  const start = new Date(at.getTime());
  if (duration.years > 0 || duration.months > 0) {
    const day = start.getUTCDate();
    start.setUTCDate(1);
    start.setUTCMonth(start.getUTCMonth() - duration.months - 12 * duration.years);
    const lastDay = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0)).getUTCDate();
    start.setUTCDate(Math.min(day, lastDay));
  }
  const fixed =
    ((duration.weeks * 7 + duration.days) * 24 * 60 + duration.hours * 60 + duration.minutes) * 60_000 +
    duration.seconds * 1000;
  return new Date(start.getTime() - fixed);
}
