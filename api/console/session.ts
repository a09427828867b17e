// Console sign-in: the operator types the API token once; ferry answers with a session cookie that carries an
// expiry and an HMAC of it keyed by the token — never the token itself — so any API process holding the same
// API_TOKEN accepts it (no session store) and changing API_TOKEN signs everyone out. The cookie is Secure,
// HttpOnly and SameSite=Strict. Every form that changes something also carries a CSRF token derived from the
// session (HMAC), and unsafe requests must come from the console's own origin (Origin / Sec-Fetch-Site).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'ferry_session';
export const SESSION_TTL_MS = 12 * 3600 * 1000;

function mac(key: string, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function tokenMatches(given: string, expected: string): boolean {
  return sameText(given, expected);
}

export function newSession(apiToken: string, nowMs = Date.now()): string {
  const expires = String(nowMs + SESSION_TTL_MS);
  return `${expires}.${mac(apiToken, `session:${expires}`)}`;
}

/** The session value when the cookie is present, well-formed, signed with this token and not expired. */
export function validSession(value: string | undefined, apiToken: string | undefined, nowMs = Date.now()): string | undefined {
  if (!value || !apiToken) return undefined;
  const m = /^(\d{13,16})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m || Number(m[1]) <= nowMs) return undefined;
  return sameText(m[2], mac(apiToken, `session:${m[1]}`)) ? value : undefined;
}

export function csrfToken(session: string, apiToken: string): string {
  return mac(apiToken, `csrf:${session}`);
}

export function csrfMatches(given: unknown, session: string, apiToken: string): boolean {
  return typeof given === 'string' && given.length > 0 && sameText(given, csrfToken(session, apiToken));
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function setSessionCookie(res: Response, value: string): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${value}; Path=/console; Max-Age=${SESSION_TTL_MS / 1000}; HttpOnly; Secure; SameSite=Strict`);
}

export function clearSessionCookie(res: Response): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; Path=/console; Max-Age=0; HttpOnly; Secure; SameSite=Strict`);
}

/**
 * An unsafe request from another site is refused even before the CSRF token is checked: browsers send
 * Sec-Fetch-Site (and Origin on POST); when present they must say "same origin".
 */
export function sameOrigin(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.get('origin');
  if (origin === undefined || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}
