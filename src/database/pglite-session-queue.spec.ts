import { describe, expect, it } from 'vitest';
import { startupStatementTimeout } from './pglite-session-queue.js';

/** A startup packet as pg writes it: length, protocol 3.0, then NUL-terminated key/value pairs and a final NUL. */
function startup(parameters: Record<string, string>): Uint8Array {
  const body = Buffer.from(`${Object.entries(parameters).flat().join('\0')}\0\0`, 'utf8');
  const packet = Buffer.alloc(8 + body.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(196_608, 4);
  body.copy(packet, 8);
  return new Uint8Array(packet);
}

describe('startupStatementTimeout', () => {
  it('reads the statement_timeout a connection sends, in ms, with PostgreSQL units', () => {
    expect(startupStatementTimeout(startup({ user: 'postgres', statement_timeout: '300' }))).toBe(300);
    expect(startupStatementTimeout(startup({ statement_timeout: '2s', database: 'postgres' }))).toBe(2000);
    expect(startupStatementTimeout(startup({ statement_timeout: '1min' }))).toBe(60_000);
  });

  it('applies no limit when there is none, it is 0 or not a plain duration', () => {
    expect(startupStatementTimeout(startup({ user: 'postgres', database: 'postgres' }))).toBeUndefined();
    expect(startupStatementTimeout(startup({ statement_timeout: '0' }))).toBeUndefined();
    expect(startupStatementTimeout(startup({ statement_timeout: 'soon' }))).toBeUndefined();
    // A value that merely looks like the key is not the key.
    expect(startupStatementTimeout(startup({ application_name: 'statement_timeout' }))).toBeUndefined();
  });
});
