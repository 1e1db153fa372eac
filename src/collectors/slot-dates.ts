/** The UTC calendar date of an instant, `YYYY-MM-DD` (a ranking snapshot belongs to its slot's date). */
export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** The instant floored to its minute: the price timestamp of a slot, identical for every retry of it. */
export function floorToMinute(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / 60_000) * 60_000);
}
