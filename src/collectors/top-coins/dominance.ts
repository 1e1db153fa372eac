/**
 * A coin's share of the total market cap, in percent, as decimal text with 10 significant digits —
 * a derived ratio, so a double's precision is plenty; `null` when either side is unknown or zero.
 */
export function dominance(marketCap: string | null, totalMarketCap: string | null): string | null {
  if (marketCap === null || totalMarketCap === null) return null;
  const part = Number(marketCap);
  const whole = Number(totalMarketCap);
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0 || part < 0) return null;
  return String(Number(((part / whole) * 100).toPrecision(10)));
}
