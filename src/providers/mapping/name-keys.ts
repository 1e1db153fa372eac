/**
 * The comparison keys of a coin's name, so that two providers' spellings of one coin meet. Each rule is
 * here because the two providers really spell a coin differently that way (test/fixtures/providers/SOURCES.md):
 *
 * - case, spaces and punctuation: "Shiba Inu" / "SHIBA INU", "Wrapped stETH" / "Wrapped-stETH",
 *   "Crypto.com Chain" / "cryptocom-chain" (CoinPaprika's ids drop the dot);
 * - diacritics (NFKD, combining marks removed): "Pokémon" / "Pokemon";
 * - "&" spelled "and": ids have no "&";
 * - a trailing word "token" or "coin" may be there or not ("LEO Token" / "UNUS SED LEO" aside, "Curve DAO" /
 *   "Curve DAO Token", "Gate" / "GateToken", "Binance Coin" / `binancecoin`): both forms are keys. It is a
 *   whole trailing word, never a suffix of a word ("Bitcoin" keeps its "coin"); "GateToken" counts as two
 *   words because CoinPaprika camel-cases the word on;
 * - a rename note in parentheses, "(prev. FTM)", "(ex-MATIC)", "(formerly …)", is CoinGecko's remark, not
 *   the name. Any other parenthesis ("(Wormhole)", "(BNB Smart Chain)") names a different, bridged coin
 *   and stays part of the name.
 *
 * A key is only ever compared with the keys of a coin of the SAME symbol; it identifies nothing alone.
 */

const RENAME_NOTE = /\s*\((?:prev\.?|previously|ex-|ex\s|formerly)[^)]*\)\s*/gi;
const TRAILING_WORD = /(?:^|[^a-z0-9])(token|coin)$/i;
const CAMEL_TRAILING = /([a-z0-9])(Token|Coin)$/;

function squash(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/&/g, ' and ')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

/** The keys of one spelling: the whole name squashed, and without a trailing "token"/"coin" word. */
function spellingKeys(text: string): string[] {
  const keys = new Set<string>();
  const base = text.replace(RENAME_NOTE, ' ').trim();
  for (const form of [text, base]) {
    const whole = squash(form);
    if (whole) keys.add(whole);
    const spaced = form.replace(CAMEL_TRAILING, '$1 $2').trim();
    const match = TRAILING_WORD.exec(spaced);
    if (match) {
      const rest = squash(spaced.slice(0, spaced.length - (match[1]?.length ?? 0)));
      if (rest) keys.add(rest);
    }
  }
  return [...keys];
}

/** Keys of a CoinGecko coin: its name, and its id (a slug of its name; `-2`, `-3` mark a repeated slug). */
export function coinGeckoKeys(coin: { coingeckoId: string; name: string }): Set<string> {
  const slug = coin.coingeckoId.replace(/-\d+$/, '').replace(/-/g, ' ');
  return new Set([...spellingKeys(coin.name), ...spellingKeys(slug)]);
}

/**
 * Keys of a CoinPaprika coin: its name, and the name slug of its id (`<symbol>-<name slug>`): the id keeps
 * the slug of the name the coin was listed under when CoinPaprika has renamed it since (`bnb-binance-coin`
 * is named "BNB").
 */
export function coinPaprikaKeys(coin: { id: string; symbol: string; name: string }): Set<string> {
  const keys = new Set(spellingKeys(coin.name));
  const prefix = `${coin.symbol.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-`;
  if (coin.id.startsWith(prefix) && coin.id.length > prefix.length) {
    for (const key of spellingKeys(coin.id.slice(prefix.length).replace(/-/g, ' '))) keys.add(key);
  }
  return keys;
}

/** Symbols compare case-insensitively and without width/diacritic differences. */
export function symbolKey(symbol: string): string {
  return symbol
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .trim()
    .toLowerCase();
}
