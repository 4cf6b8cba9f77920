/**
 * Customer authentication: verifies the bank's signed token (a JWT) with `jose` against a JWKS URL or one public key,
 * checking signature, algorithm, issuer, audience, expiry and not-before. The one place a token is trusted.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { MonetaConfig } from '../config/index.ts';
import { ConfigError, MonetaError, UnauthorizedError } from '../errors.ts';

/** A verified customer: who the bank says they are. */
export interface CustomerIdentity {
  issuer: string;
  subject: string;
  /** Token expiry (epoch ms): a long-lived socket stops accepting turns after it. */
  expiresAt: number | undefined;
}

/** Verifies customer tokens. */
export interface CustomerTokenVerifier {
  /** The identity in a valid token; throws `UnauthorizedError` for anything else (never says which check failed). */
  verify(token: string): Promise<CustomerIdentity>;
}

/** A JWT's shape (three base64url parts); used to tell a customer token from other bearer credentials. */
export const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Seconds of clock skew tolerated between the bank's token issuer and this server. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** Parses `MONETA_AUTH_PUBLIC_KEY`: a PEM (SPKI or certificate) or a JWK as JSON. */
function parsePublicKey(text: string): KeyObject {
  try {
    const trimmed = text.trim();
    const key = trimmed.startsWith('{')
      ? createPublicKey({ key: JSON.parse(trimmed) as import('node:crypto').JsonWebKey, format: 'jwk' })
      : createPublicKey(trimmed.replace(/\\n/g, '\n'));
    if (key.type !== 'public') throw new Error('not a public key');
    return key;
  } catch (error) {
    throw new ConfigError('MONETA_AUTH_PUBLIC_KEY (auth.publicKey): expected a PEM public key or a public JWK as JSON.', { cause: error });
  }
}

/**
 * The verifier for `config.auth`, or `undefined` when customer tokens are not configured (anonymous mode only).
 * A JWKS URL is fetched on first use and cached by jose (refetched when a token names an unknown `kid`).
 */
export function createCustomerTokenVerifier(auth: MonetaConfig['auth']): CustomerTokenVerifier | undefined {
  if (!auth.jwksUrl && !auth.publicKey) return undefined;
  const { issuer, audience } = auth;
  if (!issuer || !audience) throw new ConfigError('MONETA_AUTH_ISSUER and MONETA_AUTH_AUDIENCE are required with customer tokens.');
  const key: KeyObject | JWTVerifyGetKey = auth.jwksUrl
    ? createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 })
    : parsePublicKey(auth.publicKey!);
  const options = { issuer, audience, algorithms: auth.algorithms, clockTolerance: CLOCK_TOLERANCE_SECONDS, requiredClaims: ['sub', 'exp'] };
  return {
    async verify(token) {
      if (typeof token !== 'string' || !JWT_SHAPE.test(token)) throw new UnauthorizedError('The sign-in token is not valid.');
      try {
        const { payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new UnauthorizedError('The sign-in token is not valid.');
        return { issuer, subject: payload.sub, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined };
      } catch (error) {
        if (error instanceof MonetaError) throw error;
        // An unreachable JWKS endpoint is our problem, not the customer's: say so (503), keep the cause for the log.
        if (error instanceof joseErrors.JWKSTimeout || (error instanceof Error && !(error instanceof joseErrors.JOSEError))) {
          throw new MonetaError('model_not_ready', 'Sign-in cannot be checked right now. Please try again in a moment.', { cause: error });
        }
        if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('The sign-in token has expired. Please sign in again.', { cause: error });
        throw new UnauthorizedError('The sign-in token is not valid.', { cause: error });
      }
    },
  };
}
