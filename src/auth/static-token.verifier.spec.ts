import { ConfigService } from '@nestjs/config';
import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { AppConfig } from '../config/app-config.js';
import { parseEnv } from '../config/env.schema.js';
import { StaticTokenVerifier } from './static-token.verifier.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const TOKEN_A = 'a'.repeat(16);
const TOKEN_B = '0123456789abcdef0123456789abcdef';
const TOKEN_C = 'ccccccccccccccccccccccccccccccccccccccccccccccccccc';

function verifier(env: Record<string, string>): StaticTokenVerifier {
  return new StaticTokenVerifier(new ConfigService<AppConfig, true>(parseEnv(env)));
}

describe('StaticTokenVerifier', () => {
  const tokens = verifier({ API_TOKENS: `${TOKEN_A}, ${TOKEN_B},${TOKEN_C}` });

  it('accepts each configured token as an admin named by its position', () => {
    expect(tokens.verify(TOKEN_A)).toMatchObject({ kind: 'static', subject: 'api-token#1', isAdmin: true });
    expect(tokens.verify(TOKEN_B)).toMatchObject({ subject: 'api-token#2', roles: ['admin'] });
    expect(tokens.verify(TOKEN_C)?.subject).toBe('api-token#3');
  });

  it('grants the configured admin role name', () => {
    const custom = verifier({ API_TOKENS: TOKEN_A, AUTH_ADMIN_ROLE: 'butler-admin' });
    expect(custom.verify(TOKEN_A)).toMatchObject({ roles: ['butler-admin'], isAdmin: true });
  });

  it('refuses anything else: other tokens, prefixes, extensions, case changes, empty', () => {
    for (const candidate of [
      'b'.repeat(16),
      TOKEN_A.slice(0, 15),
      `${TOKEN_A}a`,
      TOKEN_B.toUpperCase(),
      '',
      ` ${TOKEN_A}`,
    ]) {
      expect(tokens.verify(candidate)).toBeUndefined();
    }
  });

  it('gives a rate key that identifies the token without containing it', () => {
    const principal = tokens.verify(TOKEN_B)!;
    expect(principal.rateKey).toMatch(/^static:[0-9a-f]{64}$/);
    expect(principal.rateKey).not.toContain(TOKEN_B);
    expect(tokens.verify(TOKEN_B)!.rateKey).toBe(principal.rateKey);
    expect(tokens.verify(TOKEN_A)!.rateKey).not.toBe(principal.rateKey);
    expect(JSON.stringify(principal)).not.toContain(TOKEN_B);
  });

  it('compares in constant time: equal-length digests, every configured token, even after a match', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    for (const candidate of [TOKEN_A, 'x', 'y'.repeat(500)]) {
      compare.mockClear();
      tokens.verify(candidate);
      expect(compare).toHaveBeenCalledTimes(3);
      for (const [left, right] of compare.mock.calls) {
        expect((left as Buffer).length).toBe(32);
        expect((right as Buffer).length).toBe(32);
      }
    }
  });

  it('is disabled without API_TOKENS and then accepts nothing', () => {
    const none = verifier({});
    expect(none.enabled).toBe(false);
    expect(none.verify(TOKEN_A)).toBeUndefined();
    expect(tokens.enabled).toBe(true);
  });
});
