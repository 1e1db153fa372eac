import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CLI_MODE } from '../cli/cli-mode.js';
import type { AppConfig } from '../config/app-config.js';

export interface AuthStatusLine {
  level: 'log' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

/**
 * What the start-up log says about authentication: how callers authenticate, or — with nothing
 * configured — that every protected route answers 401 and how to fix that. Never includes a token.
 */
export function describeAuthConfig(auth: AppConfig['auth']): AuthStatusLine[] {
  const staticTokens = auth.apiTokens.length;
  if (staticTokens === 0 && !auth.jwksUrl) {
    return [
      {
        level: 'warn',
        fields: { staticTokens: 0, jwks: false },
        message:
          'No authentication is configured: every protected route answers 401. Set API_TOKENS to one or more ' +
          'comma-separated random tokens of 16+ characters (e.g. API_TOKENS=$(openssl rand -hex 32)) and call ' +
          'the API with "Authorization: Bearer <token>", and/or set AUTH_JWKS_URL (with AUTH_ISSUER and ' +
          'AUTH_AUDIENCE) to accept OIDC access tokens; see "Authentication" in README.md.',
      },
    ];
  }
  const lines: AuthStatusLine[] = [
    {
      level: 'log',
      fields: {
        staticTokens,
        jwksUrl: auth.jwksUrl,
        issuer: auth.issuer,
        audience: auth.audience,
        adminRole: auth.adminRole,
        triggerRateLimitPerMinute: auth.triggerRateLimitPerMinute,
      },
      message:
        `Authentication: ${staticTokens} static API token(s)` +
        (auth.jwksUrl ? `, OIDC access tokens verified against ${auth.jwksUrl}` : ', OIDC tokens disabled'),
    },
  ];
  if (auth.jwksUrl && !auth.issuer) {
    lines.push({
      level: 'warn',
      fields: { variable: 'AUTH_ISSUER' },
      message:
        'AUTH_ISSUER is not set: JWTs are accepted whatever their issuer, as long as a key of the JWKS signed them',
    });
  }
  if (auth.jwksUrl && auth.audience.length === 0) {
    lines.push({
      level: 'warn',
      fields: { variable: 'AUTH_AUDIENCE' },
      message:
        "AUTH_AUDIENCE is not set: access tokens issued for any client of the identity provider are accepted; set it to this API's audience",
    });
  }
  return lines;
}

@Injectable()
export class AuthStatusReporter implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    @Optional() @Inject(CLI_MODE) private readonly cli: boolean = false,
  ) {}

  onApplicationBootstrap(): void {
    // A CLI calls no protected route: how API callers authenticate is the service's concern.
    if (this.cli) return;
    for (const line of describeAuthConfig(this.config.get('auth', { infer: true }))) {
      this.logger[line.level](line.fields, line.message);
    }
  }
}
