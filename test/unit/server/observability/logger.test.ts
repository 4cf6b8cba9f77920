/** The logger never writes message text or raw session ids: ids become salted hashes, free text is redacted. */
import { describe, expect, it } from 'vitest';
import { createLogger, hashIdentifier } from '../../../../server/observability/logger.ts';
import { LogCapture } from '../../../fixtures/platform/test-app.ts';

describe('createLogger', () => {
  it('hashes ids and redacts text even when a call site logs them by mistake', () => {
    const out = new LogCapture();
    const { logger, hash } = createLogger({ destination: out, hashSalt: 'pepper' });
    const sessionId = '6f1c2a8e-1d2b-4c3d-9e8f-0a1b2c3d4e5f';
    logger.info({ sessionId, text: 'my IBAN is DE89370400440532013000', nested: { session_id: sessionId, message: 'secret' } }, 'oops');
    const line = out.text;
    expect(line).not.toContain(sessionId);
    expect(line).not.toContain('DE89370400440532013000');
    expect(line).not.toContain('secret');
    expect(line).toContain(`#${hash(sessionId)}`);
    expect(line).toContain('[redacted]');
  });

  it('makes short, salted, stable hashes', () => {
    expect(hashIdentifier('abc', 'salt1')).toMatch(/^[0-9a-f]{12}$/);
    expect(hashIdentifier('abc', 'salt1')).toBe(hashIdentifier('abc', 'salt1'));
    expect(hashIdentifier('abc', 'salt1')).not.toBe(hashIdentifier('abc', 'salt2'));
    // Without a configured salt each logger gets a random one: hashes cannot be linked across processes.
    expect(createLogger({ level: 'silent' }).hash('abc')).not.toBe(createLogger({ level: 'silent' }).hash('abc'));
  });
});
