import { describe, expect, it } from 'vitest';
import { parseEnv } from '../config/env.schema.js';
import { describeAuthConfig } from './auth-status.reporter.js';

const TOKEN = 'f'.repeat(64);
const auth = (env: Record<string, string>) => parseEnv(env).auth;

describe('describeAuthConfig', () => {
  it('with nothing configured, warns that protected routes answer 401 and says how to set a token', () => {
    const [line, ...rest] = describeAuthConfig(auth({}));
    expect(rest).toEqual([]);
    expect(line.level).toBe('warn');
    expect(line.message).toContain('every protected route answers 401');
    expect(line.message).toContain('API_TOKENS=$(openssl rand -hex 32)');
    expect(line.message).toContain('AUTH_JWKS_URL');
  });

  it('counts static tokens without ever showing one', () => {
    const lines = describeAuthConfig(auth({ API_TOKENS: `${TOKEN},${'e'.repeat(20)}` }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'log', fields: { staticTokens: 2 } });
    expect(lines[0].message).toBe('Authentication: 2 static API token(s), OIDC tokens disabled');
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('names the JWKS and warns when issuer or audience checks are off', () => {
    const jwksUrl = 'https://sso.example.com/realms/butler/protocol/openid-connect/certs';
    const open = describeAuthConfig(auth({ AUTH_JWKS_URL: jwksUrl }));
    expect(open[0].message).toBe(
      `Authentication: 0 static API token(s), OIDC access tokens verified against ${jwksUrl}`,
    );
    expect(open.filter((line) => line.level === 'warn').map((line) => line.fields.variable)).toEqual([
      'AUTH_ISSUER',
      'AUTH_AUDIENCE',
    ]);
    const strict = describeAuthConfig(
      auth({
        AUTH_JWKS_URL: jwksUrl,
        AUTH_ISSUER: 'https://sso.example.com/realms/butler',
        AUTH_AUDIENCE: 'api',
      }),
    );
    expect(strict.map((line) => line.level)).toEqual(['log']);
  });
});
