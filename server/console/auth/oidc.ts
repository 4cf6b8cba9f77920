/**
 * Staff single sign-on with the bank's OpenID Connect identity provider through `openid-client`: discovery, the
 * authorization code flow with PKCE, state and nonce, ID-token validation against the provider's JWKS, and roles
 * from a claim. The flow's one-time values travel in a signed, short-lived cookie so any process can finish it.
 */
import * as oidc from 'openid-client';
import { SignJWT, jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';
import { UnauthorizedError } from '../../errors.ts';
import type { StaffIdentity, StaffRole } from './staff-users.ts';
import { readCookie } from './staff-session.ts';

/** The flow cookie: SameSite=Lax because the provider's redirect back is a cross-site navigation. */
export const OIDC_FLOW_COOKIE = 'moneta_oidc_flow';

/** Options for `OidcSignIn`. */
export interface OidcSignInOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  roleClaim: string;
  agentRole: string;
  analystRole: string;
  /** Signs the flow cookie (the staff session secret). */
  key: Uint8Array;
  secure: boolean;
}

/** Is `url` a loopback address (a local test provider may then use plain HTTP)? */
function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** The OIDC sign-in flow. Discovery runs on first use and is retried after a failure. */
export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly options: OidcSignInOptions) {}

  private config(): Promise<oidc.Configuration> {
    const issuer = new URL(this.options.issuer);
    this.configuration ??= oidc
      .discovery(issuer, this.options.clientId, this.options.clientSecret, undefined, isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : {})
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw new UnauthorizedError('The identity provider cannot be reached; try again in a moment.', { cause: error });
      });
    return this.configuration;
  }

  /**
   * The provider URL to send the browser to, and the flow cookie to set. `redirectUri` is where the provider sends
   * staff back (`<console origin>/console/auth/oidc/callback`, registered with the provider).
   */
  async start(redirectUri: string): Promise<{ url: string; cookie: string }> {
    const config = await this.config();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const flow = await new SignJWT({ verifier, state, nonce, jti: randomBytes(8).toString('hex') })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('moneta-oidc-flow')
      .setExpirationTime('10m')
      .sign(this.options.key);
    return { url: url.href, cookie: `${OIDC_FLOW_COOKIE}=${flow}; Path=/console/auth; HttpOnly; SameSite=Lax; Max-Age=600${this.options.secure ? '; Secure' : ''}` };
  }

  /** Finishes the flow for the callback URL the browser arrived at; throws UnauthorizedError on any failure. */
  async finish(callbackUrl: URL, cookieHeader: string | undefined): Promise<StaffIdentity> {
    const flowToken = readCookie(cookieHeader, OIDC_FLOW_COOKIE);
    if (!flowToken) throw new UnauthorizedError('The sign-in took too long or was started elsewhere; please sign in again.');
    let flow: { verifier: string; state: string; nonce: string };
    try {
      flow = (await jwtVerify(flowToken, this.options.key, { audience: 'moneta-oidc-flow', algorithms: ['HS256'] })).payload as typeof flow;
    } catch (error) {
      throw new UnauthorizedError('The sign-in took too long; please sign in again.', { cause: error });
    }
    const config = await this.config();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
      claims = tokens.claims();
    } catch (error) {
      throw new UnauthorizedError('The identity provider did not confirm the sign-in.', { cause: error });
    }
    if (!claims) throw new UnauthorizedError('The identity provider sent no ID token.');
    const roles = this.rolesOf(claims[this.options.roleClaim]);
    if (roles.length === 0) throw new UnauthorizedError('Your account has no Moneta console role; ask your administrator for the agent or analyst role.');
    const name = [claims.name, claims.given_name, claims.preferred_username, claims.sub].find((v): v is string => typeof v === 'string' && v.trim() !== '')!;
    return { id: `oidc:${claims.sub}`, name, roles, via: 'oidc' };
  }

  /** The flow cookie cleared (after the callback). */
  clearFlow(): string {
    return `${OIDC_FLOW_COOKIE}=; Path=/console/auth; HttpOnly; SameSite=Lax; Max-Age=0${this.options.secure ? '; Secure' : ''}`;
  }

  private rolesOf(claim: unknown): StaffRole[] {
    const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[ ,]+/) : [];
    const roles: StaffRole[] = [];
    if (values.includes(this.options.agentRole)) roles.push('agent');
    if (values.includes(this.options.analystRole)) roles.push('analyst');
    return roles;
  }
}
