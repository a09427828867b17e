// Every workflow the worker registers.
export { diagnosticsWorkflow } from './diagnostics';
export { mappingWorkflow } from './mapping/workflow';
