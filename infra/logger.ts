// Structured logs (pino). Secrets are redacted by key wherever they appear in a logged object.
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'password', '*.password', 'clientSecret', '*.clientSecret', 'accessToken', '*.accessToken', 'refreshToken',
  '*.refreshToken', 'apiToken', '*.apiToken', 'authorization', '*.authorization', 'headers.authorization',
  'req.headers.authorization', 'databaseUrl', '*.databaseUrl',
];

export function createLogger(name: string, level = 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
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
