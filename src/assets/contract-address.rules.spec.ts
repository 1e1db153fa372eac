import { describe, expect, it } from 'vitest';
import { normaliseChain, normaliseContractAddress } from './contract-address.rules.js';

const USDC = '0xA0b86991c6218b36c1D19D4a2e9Eb0cE3606eB48';

describe('contract look-up rules', () => {
  it('spells chains as the collector stores them', () => {
    expect(normaliseChain(' Ethereum ')).toBe('ethereum');
    expect(normaliseChain('binance-smart-chain')).toBe('bsc');
    expect(normaliseChain('Polygon-POS')).toBe('polygon');
    expect(normaliseChain('solana')).toBe('solana');
  });

  it('lower-cases EVM addresses: on an EVM chain, or in the 0x + 40 hex shape on any chain', () => {
    expect(normaliseContractAddress('ethereum', USDC)).toBe(USDC.toLowerCase());
    expect(normaliseContractAddress('bsc', USDC.toUpperCase().replace('0X', '0x'))).toBe(USDC.toLowerCase());
    expect(normaliseContractAddress('some-new-evm-chain', USDC)).toBe(USDC.toLowerCase());
  });

  it.each([
    ['Solana (base58)', 'solana', 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263'],
    ['Tron (base58)', 'tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'],
    ['a Sui coin type', 'sui', '0x2::sui::SUI'],
    ['an IBC denom', 'osmosis', 'ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2'],
  ])('keeps %s exactly', (_name, chain, address) => {
    expect(normaliseContractAddress(chain, address)).toBe(address);
  });
});
