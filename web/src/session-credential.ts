/**
 * How the widget proves it owns its conversation on the HTTP endpoints (CONTRACTS §8, docs/security.md): the path
 * names the public session id, the credential rides in `Authorization` — the bank's customer token when the page
 * provides one, otherwise the session reference `<id>.<secret>` the server issued. Secrets never go into URLs.
 */

/** The public id of a session reference (`<id>.<secret>` → `<id>`). */
export function publicSessionId(reference: string): string {
  const dot = reference.indexOf('.');
  return dot === -1 ? reference : reference.slice(0, dot);
}

/** URL and headers for `GET …/messages` or `DELETE` of the conversation `reference` names. */
export function sessionRequest(server: string, reference: string, customerToken?: string): { url: string; headers: Record<string, string> } {
  return {
    url: `${server}/api/v1/sessions/${encodeURIComponent(publicSessionId(reference))}`,
    headers: { authorization: `Bearer ${customerToken ?? reference}` },
  };
}

/** Supplies the bank's customer token (JWT) when the host page signs customers in; `undefined` = anonymous. */
export type CustomerTokenProvider = () => Promise<string | undefined>;

/**
 * The provider for a host page's global function named in `data-auth-token-function` (it may return the token or a
 * promise of it). A missing function or a failing call means "anonymous", never a broken widget.
 */
export function globalTokenProvider(name: string | undefined): CustomerTokenProvider | undefined {
  if (!name) return undefined;
  return async () => {
    try {
      const fn = (globalThis as Record<string, unknown>)[name];
      if (typeof fn !== 'function') return undefined;
      const token: unknown = await (fn as () => unknown)();
      return typeof token === 'string' && token !== '' ? token : undefined;
    } catch {
      return undefined;
    }
  };
}
