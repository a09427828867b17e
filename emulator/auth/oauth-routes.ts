// Salesforce's OAuth 2.0 token endpoint and identity URL as jsforce uses them: password, client_credentials
// and refresh_token grants with form-encoded bodies; answers and failures shaped like Salesforce's.
import { createHmac } from 'node:crypto';
import express from 'express';
import type { EmulatorContext, SfRecord } from '../contract.js';
import type { SessionStore } from './sessions.js';

export interface OAuthConfig {
  username: string;
  password: string;
  clientId: string;
  clientSecret: string;
}

interface OAuthDeps {
  ctx: EmulatorContext;
  sessions: SessionStore;
  config: OAuthConfig;
  orgId: string;
  userId: string;
}

const oauthError = (res: express.Response, status: number, error: string, description: string) => {
  res.status(status).json({ error, error_description: description });
};

export function oauthRouter(deps: OAuthDeps): express.Router {
  const { ctx, sessions, config, orgId, userId } = deps;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  router.post('/services/oauth2/token', form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const grant = body.grant_type;
    const clientOk = body.client_id === config.clientId;
    const secretOk = body.client_secret === config.clientSecret;
    let refreshToken: string | undefined;
    if (grant === 'password') {
      if (!clientOk) return oauthError(res, 400, 'invalid_client_id', 'client identifier invalid');
      if (!secretOk) return oauthError(res, 400, 'invalid_client', 'invalid client credentials');
      if (body.username !== config.username || body.password !== config.password) return oauthError(res, 400, 'invalid_grant', 'authentication failure');
      refreshToken = sessions.issueRefreshToken(userId, orgId);
    } else if (grant === 'client_credentials') {
      if (!clientOk) return oauthError(res, 400, 'invalid_client_id', 'client identifier invalid');
      if (!secretOk) return oauthError(res, 400, 'invalid_client', 'invalid client credentials');
    } else if (grant === 'refresh_token') {
      if (!clientOk) return oauthError(res, 400, 'invalid_client_id', 'client identifier invalid');
      if (body.client_secret !== undefined && !secretOk) return oauthError(res, 400, 'invalid_client', 'invalid client credentials');
      if (!body.refresh_token || !sessions.redeemRefreshToken(body.refresh_token)) return oauthError(res, 400, 'invalid_grant', 'expired access/refresh token');
    } else {
      return oauthError(res, 400, 'unsupported_grant_type', 'grant type not supported');
    }
    const { token, session } = sessions.issue(userId, orgId);
    const base = ctx.baseUrl();
    const id = `${base}/id/${orgId}/${userId}`;
    const issuedAt = String(session.issuedAt);
    res.json({
      access_token: token,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      signature: createHmac('sha256', config.clientSecret).update(id + issuedAt).digest('base64'),
      scope: refreshToken ? 'refresh_token api' : 'api',
      instance_url: base,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    });
  });

  // Salesforce answers 200 for a revoked token and 400 unsupported_token_type for an unknown one.
  router.post('/services/oauth2/revoke', form, (req, res) => {
    const token = (req.body as Record<string, string | undefined> | undefined)?.token ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
    if (!token || !sessions.revoke(token)) return oauthError(res, 400, 'unsupported_token_type', 'this token type is not supported');
    res.status(200).end();
  });

  router.get('/id/:orgId/:userId', (req, res) => {
    // jsforce's identity() passes the token as ?oauth_token= (Salesforce accepts either).
    const token = bearerToken(req) ?? (typeof req.query.oauth_token === 'string' ? req.query.oauth_token : undefined);
    const session = token ? sessions.verify(token) : undefined;
    if (!session) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    if (req.params.orgId !== orgId) {
      res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      return;
    }
    const user = ctx.org.get('User', req.params.userId) as SfRecord | undefined;
    if (!user) {
      res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      return;
    }
    const base = ctx.baseUrl();
    const v = ctx.apiVersion;
    res.json({
      id: `${base}/id/${orgId}/${user.Id}`,
      asserted_user: true,
      user_id: user.Id,
      organization_id: orgId,
      username: user.Username,
      nick_name: user.Alias,
      display_name: user.Name,
      email: user.Email,
      email_verified: true,
      first_name: user.FirstName,
      last_name: user.LastName,
      timezone: 'GMT',
      active: user.IsActive,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      last_modified_date: user.LastModifiedDate,
      is_app_installed: true,
      photos: {
        picture: `${base}/profilephoto/005/F`,
        thumbnail: `${base}/profilephoto/005/T`,
      },
      urls: {
        enterprise: `${base}/services/Soap/c/{version}/${orgId}`,
        partner: `${base}/services/Soap/u/{version}/${orgId}`,
        rest: `${base}/services/data/v{version}/`,
        sobjects: `${base}/services/data/v{version}/sobjects/`,
        search: `${base}/services/data/v{version}/search/`,
        query: `${base}/services/data/v{version}/query/`,
        recent: `${base}/services/data/v{version}/recent/`,
        profile: `${base}/${user.Id}`,
        limits: `${base}/services/data/v{version}/limits/`,
        custom_domain: base,
        apiVersion: v,
      },
    });
  });
  return router;
}

/** The token of an `Authorization: Bearer …` (REST) or `OAuth …` (streaming, SOAP-era clients) header. */
export function bearerToken(req: express.Request): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}
