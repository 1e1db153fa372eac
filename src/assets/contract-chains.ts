/**
 * CoinGecko platform ids → the chain ids this service stores, and how each chain spells addresses.
 * Platforms not listed keep CoinGecko's id.
 */
const CHAIN_ALIASES: Record<string, string> = {
  'binance-smart-chain': 'bsc',
  'polygon-pos': 'polygon',
  'arbitrum-one': 'arbitrum',
  'optimistic-ethereum': 'optimism',
};

/** Chains whose addresses are EVM hex: case carries no meaning (EIP-55 is a checksum), so they are stored lower-case. */
const EVM_CHAINS = new Set([
  'ethereum',
  'bsc',
  'polygon',
  'arbitrum',
  'optimism',
  'base',
  'avalanche',
  'fantom',
  'xdai',
  'cronos',
  'linea',
  'zksync',
  'scroll',
  'mantle',
  'blast',
  'celo',
  'moonbeam',
  'moonriver',
  'harmony-shard-0',
  'polygon-zkevm',
  'arbitrum-nova',
  'metis-andromeda',
  'kava',
  'aurora',
  'boba',
  'klay-token',
  'okex-chain',
  'huobi-token',
]);

const EVM_ADDRESS = /^0x[0-9a-f]{40}$/i;

const TOKEN_STANDARDS: Record<string, string> = { bsc: 'BEP20', solana: 'SPL', tron: 'TRC20' };

export interface NormalisedContract {
  chain: string;
  contractAddress: string;
  tokenStandard: string | null;
}

export function chainOf(platformId: string): string {
  return CHAIN_ALIASES[platformId] ?? platformId;
}

/**
 * One platform entry of `/coins/list?include_platform=true` as a contract, or null when there is none:
 * CoinGecko sends `""` platform keys and `null` or `""` addresses. An EVM address (on an EVM chain, or
 * one that is unmistakably 0x + 40 hex digits on a chain not listed here) is lower-cased; addresses on
 * case-sensitive chains (Solana, Tron, …) are kept exactly as sent.
 */
export function normaliseContract(platformId: string, address: string | null): NormalisedContract | null {
  const platform = platformId.trim();
  const raw = address?.trim() ?? '';
  if (platform === '' || raw === '') return null;
  const chain = chainOf(platform);
  const evm = EVM_CHAINS.has(chain) || EVM_ADDRESS.test(raw);
  return {
    chain,
    contractAddress: evm ? raw.toLowerCase() : raw,
    tokenStandard: TOKEN_STANDARDS[chain] ?? (evm ? 'ERC20' : null),
  };
}
