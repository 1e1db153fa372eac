import type { Request } from 'express';

/** Who a request authenticated as. Holds nothing secret: safe to log (`kind`, `subject`). */
export interface Principal {
  /** `static`: one of `API_TOKENS`; `jwt`: an OIDC access token verified against `AUTH_JWKS_URL`. */
  readonly kind: 'static' | 'jwt';
  /** `api-token#<n>` (position in `API_TOKENS`) or the JWT's `sub` (else `azp`/`client_id`). */
  readonly subject: string;
  readonly roles: readonly string[];
  /** Carries `AUTH_ADMIN_ROLE` (always true for static tokens). */
  readonly isAdmin: boolean;
  /**
   * Identifies the credential for rate limiting without containing it: `static:<sha256 of the token>`
   * or `jwt:<iss>|<sub>` (so a refreshed token of the same subject shares its budget).
   */
  readonly rateKey: string;
}

/** The Express request once `BearerAuthGuard` let it through (absent on `@Public()` routes). */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}
