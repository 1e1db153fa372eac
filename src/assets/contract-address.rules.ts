import { chainOf, normaliseContract } from './contract-chains.js';

/**
 * How a look-up spells a chain and an address: exactly as the contract collector stores them, by the
 * collector's own rules (one rule for writing and reading, so the two cannot drift apart).
 *
 * - Chains: CoinGecko platform ids, lower-case, with the collector's aliases (`binance-smart-chain` → `bsc`,
 *   `polygon-pos` → `polygon`), so `Ethereum` and `binance-smart-chain` find what is stored.
 * - Addresses: EVM addresses are hex, and `0xAbC…` and `0xabc…` are one contract (the mixed case is only an
 *   EIP-55 checksum), so on an EVM chain — or in the unmistakable `0x` + 40 hex digits shape on any chain —
 *   they are stored and looked up lower-case. Base58 and other encodings (Solana, Tron, …) are
 *   case-sensitive: two spellings are two addresses, and only the exact one matches.
 */
export function normaliseChain(chain: string): string {
  return chainOf(chain.trim().toLowerCase());
}

/** The stored spelling of `address` on `chain` (a chain already passed through `normaliseChain`). */
export function normaliseContractAddress(chain: string, address: string): string {
  return normaliseContract(chain, address)?.contractAddress ?? address;
}
