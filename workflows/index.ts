// Every workflow the worker registers.
export { diagnosticsWorkflow } from './diagnostics';
