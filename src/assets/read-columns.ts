/* The column lists of the read API's queries, each already in its wire shape. */

/**
 * Instants as the API writes them (ISO 8601, UTC, milliseconds), formatted by PostgreSQL: raw queries get
 * timestamps as PostgreSQL text (`2026-11-28 09:45:00+00`), and the session time zone must not matter.
 */
export const isoUtc = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The same with microseconds: a keyset cursor must hold the exact value it continues after. */
export const exactUtc = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/*
 * Amounts are selected as `numeric::text`: the exact decimal PostgreSQL stores, never a JavaScript
 * number on the way (`1000000000000000000000000000000` and `0.0000000012` come back as written).
 */
export const ASSET_COLUMNS = `a.id, a.coingecko_id, a.symbol, a.name, a.asset_type, a.logo_url, a.is_active, a.is_tracked,
  ${isoUtc('a.created_at')} as created_at, ${isoUtc('a.updated_at')} as updated_at`;

export const CONTRACT_COLUMNS = `c.id, c.chain, c.contract_address, c.token_standard, c.decimals, c.is_verified,
  ${isoUtc('c.created_at')} as created_at, ${isoUtc('c.updated_at')} as updated_at`;

export const PRICE_COLUMNS = `p.asset_id, ${isoUtc('p.timestamp')} as timestamp, p.price_usd::text as price_usd,
  p.market_cap_usd::text as market_cap_usd, p.volume_24h_usd::text as volume_24h_usd,
  p.change_percent_24h::text as change_percent_24h, p.source`;

export const RANKING_AMOUNTS = `r.market_cap_usd::text as market_cap_usd, r.price_usd::text as price_usd,
  r.volume_24h_usd::text as volume_24h_usd, r.change_percent_24h::text as change_percent_24h,
  r.dominance::text as dominance, r.source`;
