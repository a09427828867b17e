// The Temporal SDK's logs (worker lifecycle, activity and workflow loggers, native core logs forwarded to
// the runtime) written through ferry's pino logger: one format for the whole process. Task tokens, payloads
// and other bulky or sensitive fields are left out; what stays is flat (ids, types, attempts, messages).
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from './logger';

/** Keys never logged: task tokens identify a task to the server; payloads may carry records or credentials. */
const DROPPED = /token|payload|^args$|^input$|^result$|details|memo|header|^sdkComponent$/i;

export function sanitizeTemporalMeta(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (DROPPED.test(key) || value === undefined) continue;
    if (value instanceof Error) out.err = { type: value.name, message: value.message.split('\n')[0] };
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'bigint') out[key] = value.toString();
    // Nested objects (task payloads, protobufs, histories) are left out.
  }
  return out;
}

const ROUTINE = /^(Activity|Workflow) (started|completed)$/;

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
};

/** A Temporal SDK Logger that writes to `log` (child `temporal`); pino's level filters, `minLevel` can drop more. */
export function temporalLogger(log: Logger, minLevel: LogLevel = 'TRACE'): TemporalLogger {
  const order: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
  const floor = order.indexOf(minLevel);
  const child = log.child({ component: 'temporal' });
  const write = (given: LogLevel, message: string, meta?: LogMetadata) => {
    // Every activity and workflow start/finish is logged by the SDK at INFO: routine, so debug here.
    const level = given === 'INFO' && ROUTINE.test(message) ? 'DEBUG' : given;
    if (order.indexOf(level) < floor) return;
    child[LEVELS[level]](sanitizeTemporalMeta(meta), message.split('\n')[0]);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
