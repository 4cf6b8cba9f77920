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

  it('keeps error messages readable but hashes the ids, references and URLs in them, and never writes tokens', () => {
    const out = new LogCapture();
    const { logger, hash } = createLogger({ destination: out, hashSalt: 'pepper' });
    const id = '6f1c2a8e-1d2b-4c3d-9e8f-0a1b2c3d4e5f';
    const reference = `${id}.${'s'.repeat(43)}`;
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjdXN0b21lci00MiJ9.c2lnbmF0dXJl';
    const error = new Error(`Failed to decode param '${reference}' at /api/v1/sessions/customer-42/messages for ${jwt} via https://idp.bank.example/jwks?x=1; card 4111 1111 1111 1111`, {
      cause: new Error(`upstream ${id} timed out`),
    });
    logger.error({ err: error, url: '/api/v1/sessions/customer-42', headers: { authorization: `Bearer ${jwt}` } }, 'request failed');
    const line = out.text;
    for (const secret of [id, 's'.repeat(43), 'customer-42', jwt, 'idp.bank.example', '4111 1111']) expect(line).not.toContain(secret);
    expect(line).toContain('Failed to decode param');
    expect(line).toContain(`#${hash(id)}`);
    expect(line).toContain(`/api/v1/sessions/#${hash('customer-42')}`);
    expect(line).toContain('[token]');
    expect(line).toContain('[card ••••1111]');
    expect(line).toContain('timed out');
  });

  it('makes short, salted, stable hashes', () => {
    expect(hashIdentifier('abc', 'salt1')).toMatch(/^[0-9a-f]{12}$/);
    expect(hashIdentifier('abc', 'salt1')).toBe(hashIdentifier('abc', 'salt1'));
    expect(hashIdentifier('abc', 'salt1')).not.toBe(hashIdentifier('abc', 'salt2'));
    // Without a configured salt each logger gets a random one: hashes cannot be linked across processes.
    expect(createLogger({ level: 'silent' }).hash('abc')).not.toBe(createLogger({ level: 'silent' }).hash('abc'));
  });
});
