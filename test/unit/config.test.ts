import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../infra/config';

const base = { DATABASE_URL: 'postgres://u:secret@db:5432/ferry' };
const sf = { SF_LOGIN_URL: 'https://login.salesforce.com', SF_CLIENT_ID: 'cid', SF_CLIENT_SECRET: 'cs', SF_USERNAME: 'u@x', SF_PASSWORD: 'pw' };

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'ferry' },
      http: { port: 3000, host: '127.0.0.1' },
      schema: 'salesforce',
      apiVersion: '62.0',
      salesforce: undefined,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads a complete Salesforce password-flow configuration', () => {
    expect(loadConfig({ ...base, ...sf }).salesforce).toEqual({
      loginUrl: 'https://login.salesforce.com', clientId: 'cid', clientSecret: 'cs', username: 'u@x', password: 'pw', apiVersion: '62.0',
    });
  });

  it('accepts the client-credentials flow (no username/password)', () => {
    const { SF_USERNAME: _u, SF_PASSWORD: _p, ...cc } = sf;
    expect(loadConfig({ ...base, ...cc }).salesforce?.username).toBeUndefined();
  });

  it.each([
    [{}, 'DATABASE_URL: it is required'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL: a URL starting with postgres:// or postgresql://'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL: a URL starting with postgres:// or postgresql://'],
    [{ ...base, PORT: 'eighty' }, 'PORT: '],
    [{ ...base, PORT: '70000' }, 'PORT: '],
    [{ ...base, TEMPORAL_ADDRESS: 'http://x:7233' }, 'TEMPORAL_ADDRESS: host:port, e.g. 127.0.0.1:7233'],
    [{ ...base, API_TOKEN: 'short' }, 'API_TOKEN: at least 16 characters'],
    [{ ...base, LOG_LEVEL: 'loud' }, 'LOG_LEVEL: '],
    [{ ...base, FERRY_SCHEMA: 'Sales Force' }, 'FERRY_SCHEMA: a lower-case Postgres schema name'],
    [{ ...base, SF_API_VERSION: '62' }, 'SF_API_VERSION: a Salesforce API version such as 62.0'],
    [{ ...base, SF_USERNAME: 'u@x', SF_PASSWORD: 'pw' }, 'SF_LOGIN_URL: it is required when SF_USERNAME, SF_PASSWORD are set'],
    [{ ...base, ...sf, SF_CLIENT_SECRET: '' }, 'SF_CLIENT_SECRET: it is required when'],
    [{ ...base, ...sf, SF_PASSWORD: undefined }, 'SF_PASSWORD: it is required with SF_USERNAME'],
    [{ ...base, ...sf, SF_LOGIN_URL: 'login.salesforce.com' }, 'SF_LOGIN_URL: a URL starting with http:// or https://'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env as Record<string, string>);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.startsWith(message)).toBe(true);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).not.toContain('secret');
  });
});
