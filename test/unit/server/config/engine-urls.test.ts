/** MONETA_DATABASE_URL / MONETA_REDIS_URL: validated like the rest of the config, never echoed (they carry passwords). */
import { describe, expect, it } from 'vitest';
import { loadConfig, sessionStoreKind } from '../../../../server/config/index.ts';
import { ConfigError } from '../../../../server/errors.ts';

function failure(env: Record<string, string>): Error {
  try {
    loadConfig(env);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected loadConfig to fail');
}

describe('engine URLs in the config', () => {
  it.each([
    ['MONETA_DATABASE_URL', 'mysql://root:hunter2-secret@db/x'],
    ['MONETA_DATABASE_URL', 'not a url hunter2-secret'],
    ['MONETA_REDIS_URL', 'http://:hunter2-secret@cache:6379'],
    ['MONETA_REDIS_URL', 'redis//hunter2-secret'],
  ])('%s=%s stops start-up naming the variable, without the value', (name, value) => {
    const error = failure({ [name]: value });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(name);
    expect(error.message).not.toContain('hunter2-secret');
  });

  it('accepts postgres:// postgresql:// redis:// rediss:// and picks the store from them', () => {
    const config = loadConfig({ MONETA_DATABASE_URL: 'postgresql://u:p@db:5432/moneta', MONETA_REDIS_URL: 'rediss://:p@cache:6380/1' });
    expect(config.database.url).toBe('postgresql://u:p@db:5432/moneta');
    expect(config.redis.url).toBe('rediss://:p@cache:6380/1');
    expect(sessionStoreKind(config)).toBe('postgres');
    expect(sessionStoreKind(loadConfig({ MONETA_DATABASE_URL: 'postgres://u:p@db/m', MONETA_SESSION_STORE: 'memory' }))).toBe('memory');
    expect(sessionStoreKind(loadConfig({}))).toBe('sqlite');
  });

  it('refuses MONETA_SESSION_STORE=postgres without MONETA_DATABASE_URL', () => {
    expect(failure({ MONETA_SESSION_STORE: 'postgres' }).message).toContain('MONETA_DATABASE_URL');
  });
});
