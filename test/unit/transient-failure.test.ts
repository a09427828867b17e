// Which Salesforce failures repeat the same request at once (salesforce/errors.ts isTransientFailure) and the
// repeat itself (salesforce/transient-retry.ts): 5xx answers and dropped connections yes; limits, refusals,
// bad requests and a spent budget no.
import { describe, expect, it } from 'vitest';
import { isTransientFailure } from '../../salesforce/errors';
import { retryTransient } from '../../salesforce/transient-retry';
import { ApiBudgetExhausted } from '../../store/api-call-ledger';

const sfError = (errorCode: string, message = 'x') => Object.assign(new Error(message), { errorCode });

describe('isTransientFailure', () => {
  it.each<[string, unknown, boolean]>([
    ['503 SERVER_UNAVAILABLE', sfError('SERVER_UNAVAILABLE'), true],
    ['500 UNKNOWN_EXCEPTION', sfError('UNKNOWN_EXCEPTION'), true],
    ['a 502 with a status code only', Object.assign(new Error('Bad Gateway'), { statusCode: 502 }), true],
    ['socket hang up', new Error('socket hang up'), true],
    ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['REQUEST_LIMIT_EXCEEDED', sfError('REQUEST_LIMIT_EXCEEDED'), false],
    ['INVALID_SESSION_ID', sfError('INVALID_SESSION_ID'), false],
    ['INVALID_FIELD', sfError('INVALID_FIELD'), false],
    ['a 400 with a status code', Object.assign(new Error('Bad Request'), { statusCode: 400 }), false],
    ['a spent budget', new ApiBudgetExhausted('salesforce.account', 30, 30, 0), false],
    ['a bug', new TypeError('cannot read properties of undefined'), false],
  ])('%s → %s', (_name, err, transient) => {
    expect(isTransientFailure(err)).toBe(transient);
  });
});

describe('retryTransient', () => {
  it('repeats a request that failed transiently and returns its answer', async () => {
    let calls = 0;
    const answer = await retryTransient(async () => {
      calls++;
      if (calls < 3) throw sfError('SERVER_UNAVAILABLE');
      return 'JobComplete';
    }, [1, 1, 1]);
    expect([answer, calls]).toEqual(['JobComplete', 3]);
  });

  it('throws anything else at once, and a transient failure once the repeats are spent', async () => {
    let calls = 0;
    await expect(retryTransient(async () => {
      calls++;
      throw sfError('INVALID_SESSION_ID');
    }, [1, 1])).rejects.toThrow();
    expect(calls).toBe(1);
    calls = 0;
    await expect(retryTransient(async () => {
      calls++;
      throw sfError('SERVER_UNAVAILABLE');
    }, [1, 1])).rejects.toThrow();
    expect(calls).toBe(3);
  });
});
