/**
 * A JSON number together with the exact text CoinGecko wrote for it.
 *
 * Amounts end up in PostgreSQL `numeric` columns. Going through a JS float would turn `0.10` into `0.1`
 * (harmless) but also `123456789012345678901` into `123456789012345680000` and long fractions into their
 * nearest double, so the parser keeps the source text and the schemas decide per field whether they
 * want the text (amounts) or the value (ranks, decimals).
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  get value(): number {
    return Number(this.text);
  }

  /** Logged or re-serialised values stay numbers. */
  toJSON(): number {
    return this.value;
  }
}

/** Node ≥ 21 passes the source text of primitives to a reviver (TC39 "JSON.parse source text access"). */
interface ReviverContext {
  source?: string;
}

function keepNumberText(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== 'number') return value;
  return new JsonNumber(context?.source ?? String(value));
}

/** `JSON.parse` with every number replaced by a {@link JsonNumber}. Throws `SyntaxError` like `JSON.parse`. */
export function parseJsonKeepingNumbers(text: string): unknown {
  return JSON.parse(text, keepNumberText);
}
