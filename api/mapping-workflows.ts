// The API's one door to Temporal: start, find, query, update and stop mapping workflows, each call under a
// deadline. Mappings are found by their deterministic workflow id or listed through visibility — never from
// memory — so any number of API processes serve the same mappings.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { MappingConfig } from '../domain/mapping-rules';
import { isMappingState, type MappingState } from '../workflows/mapping/states';
import { FERRY_OBJECT, FERRY_STATE } from '../infra/search-attributes';
import { deleteUpdate, statusQuery, type MappingStatus } from '../workflows/mapping/messages';
import type { mappingWorkflow, MappingWorkflowInput } from '../workflows/mapping/workflow';
import { parseWorkflowId, type MappingIdentity as MappingRef } from '../domain/mapping-id';
import { Problem } from './problem';
import { callTemporal, sendUpdate, type WorkerPresence } from './upstream';

/** How long DELETE waits for the workflow to finish its current step and tear down. */
export const DELETE_DEADLINE_MS = 60_000;

export interface ListedMapping {
  ref: MappingRef;
  /** From the FerryState search attribute: may trail the workflow by a moment. */
  state: MappingState | null;
  startedAt: Date;
}

function cause(err: WorkflowUpdateFailedError): string {
  return err.cause?.message ?? err.message;
}

export class MappingWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly deadlineMs: number,
    private readonly workerPresent?: WorkerPresence,
  ) {}

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return callTemporal(this.client, this.deadlineMs, fn, this.workerPresent);
  }

  /** Starts the mapping's workflow; 409 when one is already running for the same schema and table. */
  async start(ref: MappingRef, config: MappingConfig, extra: Pick<MappingWorkflowInput, 'carried'> = {}): Promise<string> {
    const input: MappingWorkflowInput = { mappingId: ref.mappingId, config, ...extra };
    try {
      const handle = await this.call(() => this.client.workflow.start<typeof mappingWorkflow>('mappingWorkflow', {
        taskQueue: this.taskQueue,
        workflowId: ref.workflowId,
        workflowIdConflictPolicy: 'FAIL',
        args: [input],
        typedSearchAttributes: [{ key: FERRY_OBJECT, value: config.objectName }, { key: FERRY_STATE, value: extra.carried?.state ?? 'INITIAL' }],
      }));
      return handle.firstExecutionRunId;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new Problem(409, `A mapping of ${config.objectName} into ${ref.mappingId} already exists`, undefined, '/problems/mapping-exists');
      }
      throw err;
    }
  }

  /** The running workflow's handle (following continue-as-new); 404 when there is none. */
  async running(ref: MappingRef): Promise<WorkflowHandle> {
    const handle = this.client.workflow.getHandle(ref.workflowId);
    const notFound = () => new Problem(404, `No mapping of ${ref.objectName} in schema ${ref.schema}`, undefined, '/problems/mapping-not-found');
    try {
      const d = await this.call(() => handle.describe());
      if (d.status.name !== 'RUNNING') throw notFound();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound();
      throw err;
    }
    return handle;
  }

  async status(ref: MappingRef): Promise<MappingStatus> {
    const handle = await this.running(ref);
    return this.call(() => handle.query(statusQuery));
  }

  /** Status of a workflow known to run (from a listing); null when it does not answer in time. */
  async statusOrNull(ref: MappingRef): Promise<MappingStatus | null> {
    try {
      return await this.call(() => this.client.workflow.getHandle(ref.workflowId).query(statusQuery));
    } catch {
      return null;
    }
  }

  /** Runs an Update; a validator's refusal (WorkflowUpdateFailedError) is a 422 carrying its message. */
  async update<Ret>(ref: MappingRef, send: (handle: WorkflowHandle) => Promise<Ret>): Promise<Ret> {
    const handle = await this.running(ref);
    try {
      return await this.call(() => sendUpdate(() => send(handle)));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new Problem(422, cause(err), undefined, '/problems/refused-by-mapping');
      if (err instanceof WorkflowNotFoundError) throw new Problem(404, `No mapping of ${ref.objectName} in schema ${ref.schema}`, undefined, '/problems/mapping-not-found');
      throw err;
    }
  }

  /**
   * Ends the mapping inside its workflow (deleteUpdate): the step under way finishes, the teardown removes the
   * capture triggers, ferry's rows, the PushTopic and (when asked) the table, and the workflow completes.
   * Waits for all of it, up to DELETE_DEADLINE_MS.
   */
  async delete(ref: MappingRef, dropTable: boolean) {
    const handle = await this.running(ref);
    try {
      return await callTemporal(this.client, Math.max(this.deadlineMs, DELETE_DEADLINE_MS), () => sendUpdate(() => handle.executeUpdate(deleteUpdate, { args: [{ dropTable }] })), this.workerPresent);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new Problem(422, cause(err), undefined, '/problems/refused-by-mapping');
      if (err instanceof WorkflowNotFoundError) throw new Problem(404, `No mapping of ${ref.objectName} in schema ${ref.schema}`, undefined, '/problems/mapping-not-found');
      throw err;
    }
  }

  /** Running mappings on this deployment's task queue, from Temporal visibility. */
  async list(): Promise<ListedMapping[]> {
    const query = `WorkflowType = 'mappingWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${this.taskQueue.replace(/'/g, "\\'")}'`;
    return this.call(async () => {
      const out: ListedMapping[] = [];
      for await (const wf of this.client.workflow.list({ query })) {
        const objectName = wf.typedSearchAttributes.get(FERRY_OBJECT);
        const ref = objectName ? parseWorkflowId(wf.workflowId, objectName) : null;
        if (!ref) continue;
        const state = wf.typedSearchAttributes.get(FERRY_STATE);
        out.push({ ref, state: isMappingState(state) ? state : null, startedAt: wf.startTime });
      }
      return out.sort((a, b) => a.ref.mappingId.localeCompare(b.ref.mappingId));
    });
  }
}
