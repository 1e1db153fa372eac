import { describe, expect, it } from 'vitest';
import { normaliseContract } from './contract-chains.js';

describe('normaliseContract', () => {
  it.each([
    [
      'ethereum',
      '0xdAC17F958D2ee523a2206206994597C13D831ec7',
      'ethereum',
      '0xdac17f958d2ee523a2206206994597c13d831ec7',
      'ERC20',
    ],
    [
      'binance-smart-chain',
      '0x55d398326f99059fF775485246999027B3197955',
      'bsc',
      '0x55d398326f99059ff775485246999027b3197955',
      'BEP20',
    ],
    [
      'polygon-pos',
      '0xC2132D05D31c914a87C6611C10748AEb04B58e8F',
      'polygon',
      '0xc2132d05d31c914a87c6611c10748aeb04b58e8f',
      'ERC20',
    ],
    [
      'arbitrum-one',
      '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9',
      'arbitrum',
      '0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9',
      'ERC20',
    ],
    [
      'optimistic-ethereum',
      '0x94b008aA00579c1307B0EF2c499aD98a8ce58e58',
      'optimism',
      '0x94b008aa00579c1307b0ef2c499ad98a8ce58e58',
      'ERC20',
    ],
    [
      'solana',
      'Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB',
      'solana',
      'Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB',
      'SPL',
    ],
    ['tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'TRC20'],
    [
      'some-new-evm-l2',
      '0xABCDEF0123456789abcdef0123456789ABCDEF01',
      'some-new-evm-l2',
      '0xabcdef0123456789abcdef0123456789abcdef01',
      'ERC20',
    ],
    ['hedera-hashgraph', '0.0.456858', 'hedera-hashgraph', '0.0.456858', null],
    ['flow', 'A.b19436aae4d94622.FiatToken', 'flow', 'A.b19436aae4d94622.FiatToken', null],
  ])('%s %s → %s %s %s', (platform, address, chain, contractAddress, tokenStandard) => {
    expect(normaliseContract(platform, address)).toEqual({ chain, contractAddress, tokenStandard });
  });

  it('ignores empty platform keys and empty or null addresses', () => {
    expect(normaliseContract('', '0xabc')).toBeNull();
    expect(normaliseContract('eos', null)).toBeNull();
    expect(normaliseContract('polkadot', '')).toBeNull();
    expect(normaliseContract('ethereum', '   ')).toBeNull();
  });
});
