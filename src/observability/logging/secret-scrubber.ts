import type { DestinationStream } from 'pino';

const REDACTED = '[redacted]';

/**
 * Wraps a log destination so that no configured secret value (API tokens, the CoinGecko key, the
 * database password, the metrics token) can reach it, whatever object or error message carried it —
 * e.g. an axios error that serialises its request headers. Path-based redaction covers the known
 * places; this covers the unknown ones.
 */
export function scrubSecrets(destination: DestinationStream, secrets: readonly string[]): DestinationStream {
  // Each secret as it may appear in a JSON log line: raw, JSON-escaped (quotes, backslashes) and URL-encoded.
  const forms = secrets
    .filter((secret) => secret.length >= 4)
    .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  const values = [...new Set(forms)].sort((a, b) => b.length - a.length);
  if (values.length === 0) return destination;
  return {
    write(line: string) {
      let scrubbed = line;
      for (const value of values) {
        if (scrubbed.includes(value)) scrubbed = scrubbed.split(value).join(REDACTED);
      }
      destination.write(scrubbed);
    },
  };
}

/** The password part of a connection URL, if any. */
export function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password.length > 0 ? password : undefined;
  } catch {
    return undefined;
  }
}
