// Bearer-token authentication for every endpoint but /health. Tokens are compared in constant time: both
// sides are hashed first so the compared buffers always have equal length (timingSafeEqual requires it) and
// neither the token's content nor its length leaks through response timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { Problem } from './problem';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function requireBearerToken(expected: string | undefined): RequestHandler {
  const expectedDigest = expected === undefined ? undefined : digest(expected);
  return (req, res, next) => {
    res.setHeader('WWW-Authenticate', 'Bearer realm="ferry"');
    if (expectedDigest === undefined) {
      next(new Problem(401, 'The server has no API_TOKEN configured, so every authenticated request is refused'));
      return;
    }
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      next(new Problem(401, 'Send the API token as "Authorization: Bearer <token>"'));
      return;
    }
    if (!timingSafeEqual(digest(match[1]), expectedDigest)) {
      next(new Problem(401, 'The API token is not valid'));
      return;
    }
    res.removeHeader('WWW-Authenticate');
    next();
  };
}
