// Structured logs (pino), one format for every ferry process: JSON lines when stdout is not a terminal (or
// LOG_FORMAT=json), one readable line per event when it is (or LOG_FORMAT=pretty). Secrets are redacted by key
// wherever they appear in a logged object.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

const REDACT = [
  'password', '*.password', 'clientSecret', '*.clientSecret', 'accessToken', '*.accessToken', 'refreshToken',
  '*.refreshToken', 'apiToken', '*.apiToken', 'authorization', '*.authorization', 'headers.authorization',
  'req.headers.authorization', 'databaseUrl', '*.databaseUrl',
];

/** LOG_FORMAT when set (json | pretty), else pretty on a terminal and JSON otherwise. */
export function resolveLogFormat(value = process.env.LOG_FORMAT, isTty = process.stdout.isTTY === true): LogFormat {
  if (value === 'json' || value === 'pretty') return value;
  return isTty ? 'pretty' : 'json';
}

export function createLogger(name: string, level = 'info', format: LogFormat = resolveLogFormat()): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'json') return pino(options);
  // Synchronous, in-process: no transport thread, and lines interleave in order with other processes' output.
  return pino(options, pretty({
    sync: true, singleLine: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname',
  }));
}

/** A DATABASE_URL fit for a log line: the password is replaced. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
