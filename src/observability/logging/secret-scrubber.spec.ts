import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { passwordOf, scrubSecrets } from './secret-scrubber.js';

function capture(secrets: string[]): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    scrubSecrets({ write: (line: string) => lines.push(line) }, secrets),
  );
  return { logger, lines };
}

describe('scrubSecrets', () => {
  it('replaces a secret wherever it appears in a line: message, nested fields, error messages', () => {
    const { logger, lines } = capture(['tok-0123456789abcdef']);
    logger.info(
      {
        headers: { 'x-cg-demo-api-key': 'tok-0123456789abcdef' },
        err: new Error('failed with tok-0123456789abcdef'),
      },
      'request with tok-0123456789abcdef',
    );
    expect(lines.join('')).not.toContain('tok-0123456789abcdef');
    expect(lines.join('')).toContain('[redacted]');
  });

  it('also catches the JSON-escaped and URL-encoded spellings of a secret', () => {
    const secret = 'pa"ss\\w/rd?&=';
    const { logger, lines } = capture([secret]);
    logger.info({ url: `postgres://u:${encodeURIComponent(secret)}@db/x`, raw: secret }, 'connecting');
    const text = lines.join('');
    expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(text).not.toContain(encodeURIComponent(secret));
  });

  it('passes lines through untouched without secrets, and ignores trivially short ones', () => {
    const { logger, lines } = capture(['abc']);
    logger.info('abc stays');
    expect(lines[0]).toContain('abc stays');
  });

  it('finds the password of a connection URL', () => {
    expect(passwordOf('postgres://user:s%40cret@host:5432/db')).toBe('s@cret');
    expect(passwordOf('postgres://user@host/db')).toBeUndefined();
    expect(passwordOf(undefined)).toBeUndefined();
  });
});
