/** Session ids: issued ids are UUIDs; REST senders are short safe tokens. */
import { describe, expect, it } from 'vitest';
import { isIssuedSessionId, isWellFormedSender, newSessionId } from '../../../../server/session/session-id.ts';

describe('session ids', () => {
  it('issues distinct v4 UUIDs that pass the check', () => {
    const ids = new Set(Array.from({ length: 1000 }, newSessionId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isIssuedSessionId(id)).toBe(true);
  });
  it.each([null, undefined, 42, '', 'abc', '../etc/passwd', 'g0000000-0000-4000-8000-000000000000', `${newSessionId()}x`])('rejects %j as an issued id', (id) => {
    expect(isIssuedSessionId(id)).toBe(false);
  });
  it.each(['test_user', 'user-42', newSessionId(), 'a@b.c:1'])('accepts REST sender %j', (id) => {
    expect(isWellFormedSender(id)).toBe(true);
  });
  it.each(['', ' x', 'a b', 'x'.repeat(129), '../x', 'a\nb', '-leading', 7])('rejects REST sender %j', (id) => {
    expect(isWellFormedSender(id)).toBe(false);
  });
});
