// What query and ingest jobs share: ids, timestamps in JobInfo form, the dialect, and the registry a job
// list and a job lookup read from.
import { SfRequestError } from '../contract.js';
import { makeId } from '../org/ids.js';
import type { CsvDialect } from './csv-format.js';

let jobSeq = 0;

/** An 18-char job id with Salesforce's async-job prefix 750. */
export function newJobId(): string {
  jobSeq += 1;
  return makeId('750', jobSeq);
}

/** `2024-01-02T03:04:05.000+0000`, the timestamp form JobInfo uses. */
export function jobTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23) + '+0000';
}

export interface JobBase {
  readonly id: string;
  readonly object: string;
  readonly createdById: string;
  readonly createdMs: number;
  modifiedMs: number;
  readonly dialect: CsvDialect;
  readonly apiVersion: number;
}

/** The JobInfo members every job has, in Salesforce's order. */
export function baseInfo(job: JobBase, operation: string, state: string): Record<string, unknown> {
  return {
    id: job.id,
    operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: jobTimestamp(job.createdMs),
    systemModstamp: jobTimestamp(job.modifiedMs),
    state,
  };
}

export function jobNotFound(): SfRequestError {
  return new SfRequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

export function invalidState(message: string): SfRequestError {
  return new SfRequestError(400, 'INVALIDJOBSTATE', message);
}

/** A reason the whole job fails (JobInfo.errorMessage), as opposed to one row failing. */
export class JobFailure extends Error {}

/** The jobs of one kind an emulator holds, by id. */
export class JobRegistry<J extends { id: string }> {
  private readonly jobs = new Map<string, J>();

  add(job: J): J {
    this.jobs.set(job.id, job);
    return job;
  }

  /** Accepts the 15- or 18-char id; throws 404 NOT_FOUND like Salesforce. */
  get(id: string): J {
    const job = this.jobs.get(id) ?? [...this.jobs.values()].find((j) => j.id.slice(0, 15) === id);
    if (!job) throw jobNotFound();
    return job;
  }

  delete(id: string): void {
    this.jobs.delete(id);
  }

  all(): J[] {
    return [...this.jobs.values()];
  }
}
