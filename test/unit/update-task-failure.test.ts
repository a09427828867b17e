import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isUpdateTaskFailure, sendUpdate } from '../../api/upstream';

/** Temporal's error for an update whose workflow task failed, as the client raises it. */
function taskFailure(): Error {
  const cause = Object.assign(new Error('9 FAILED_PRECONDITION: Unable to perform workflow execution update due to unexpected workflow task failure.'), {
    code: 9, details: 'Unable to perform workflow execution update due to unexpected workflow task failure.',
  });
  return new ServiceError('Workflow Update failed', { cause });
}

describe('updates refused for a failed workflow task', () => {
  it.each<[string, unknown, boolean]>([
    ['the workflow task failed', taskFailure(), true],
    ['another FAILED_PRECONDITION (no poller)', new ServiceError('Workflow Update failed', { cause: Object.assign(new Error('9 FAILED_PRECONDITION: no poller seen'), { code: 9 }) }), false],
    ['the same words under another code', new ServiceError('Workflow Update failed', { cause: Object.assign(new Error('unexpected workflow task failure'), { code: 13 }) }), false],
    ['a plain error', new Error('boom'), false],
  ])('%s → %s', (_, err, expected) => {
    expect(isUpdateTaskFailure(err)).toBe(expected);
  });

  it('are sent again, up to three times in all; other errors are not', async () => {
    let calls = 0;
    await expect(sendUpdate(async () => {
      calls += 1;
      if (calls < 3) throw taskFailure();
      return 'applied';
    })).resolves.toBe('applied');
    expect(calls).toBe(3);

    calls = 0;
    await expect(sendUpdate(async () => {
      calls += 1;
      throw taskFailure();
    })).rejects.toThrow('Workflow Update failed');
    expect(calls).toBe(3);

    calls = 0;
    await expect(sendUpdate(async () => {
      calls += 1;
      throw new Error('refused');
    })).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });
});
