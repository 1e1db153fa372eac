import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import type { Principal } from './principal.types.js';

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks a bearer token against `API_TOKENS`. Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`: digests have one length, so neither a token's length nor its first differing
 * character shows in the response time, and every configured token is compared (no early exit), so
 * neither does which one matched. Only the digests are kept in memory after start-up.
 */
@Injectable()
export class StaticTokenVerifier {
  private readonly digests: readonly Buffer[];
  private readonly adminRole: string;

  constructor(config: ConfigService<AppConfig, true>) {
    const auth = config.get('auth', { infer: true });
    // Positions (not deduplicated) so `api-token#<n>` names the entry an operator sees in API_TOKENS.
    this.digests = auth.apiTokens.map(sha256);
    this.adminRole = auth.adminRole;
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** The principal of a configured token, or `undefined` when the token is not one of them. */
  verify(token: string): Principal | undefined {
    const candidate = sha256(token);
    let matched = -1;
    this.digests.forEach((digest, index) => {
      if (timingSafeEqual(digest, candidate) && matched < 0) matched = index;
    });
    if (matched < 0) return undefined;
    return {
      kind: 'static',
      subject: `api-token#${matched + 1}`,
      roles: [this.adminRole],
      isAdmin: true,
      rateKey: `static:${candidate.toString('hex')}`,
    };
  }
}
