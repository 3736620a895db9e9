import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { InvalidClient } from '../../common/errors/oauth-error.js';
import type { AuthenticatedClient, ClientAuthenticator } from './client-authenticator.js';
import { parseBasic } from './presented-credentials.js';

type Body = Record<string, unknown>;
const bodyOf = (req: FastifyRequest): Body => (req.body ?? {}) as Body;

/** The absolute URL the request was sent to, for an assertion's `aud`. */
export type EndpointResolver = (req: FastifyRequest) => string;

/** RFC 6749 §2.3.1: `Authorization: Basic`, with an optional matching `client_id` in the body. */
@Injectable()
export class ClientSecretBasicStrategy extends PassportStrategy(Strategy, 'client_secret_basic') {
  constructor() {
    super();
  }

  validate(req: FastifyRequest): Promise<AuthenticatedClient> {
    const { clientId, secret } = parseBasic(req.headers.authorization ?? '');
    const body = bodyOf(req);
    if (body.client_id !== undefined && body.client_id !== clientId) {
      throw new InvalidClient('client_id in the body does not match the Basic credentials');
    }
    return authenticatorOf(req).withSecret(clientId, secret, 'client_secret_basic', req.ip);
  }
}

/** RFC 6749 §2.3.1: `client_id` and `client_secret` in the form body. */
@Injectable()
export class ClientSecretPostStrategy extends PassportStrategy(Strategy, 'client_secret_post') {
  constructor() {
    super();
  }

  validate(req: FastifyRequest): Promise<AuthenticatedClient> {
    const body = bodyOf(req);
    return authenticatorOf(req).withSecret(
      body.client_id,
      body.client_secret,
      'client_secret_post',
      req.ip,
    );
  }
}

/** RFC 7523 §2.2: client_secret_jwt and private_key_jwt, told apart by the client's registration. */
@Injectable()
export class ClientAssertionStrategy extends PassportStrategy(Strategy, 'client_assertion') {
  constructor() {
    super();
  }

  validate(req: FastifyRequest): Promise<AuthenticatedClient> {
    return authenticatorOf(req).withAssertion(bodyOf(req), calledEndpoint(req), req.ip);
  }
}

/** Public clients: a `client_id` and nothing else (they prove possession with PKCE or DPoP). */
@Injectable()
export class NoneStrategy extends PassportStrategy(Strategy, 'client_none') {
  constructor() {
    super();
  }

  validate(req: FastifyRequest): Promise<AuthenticatedClient> {
    return authenticatorOf(req).withoutSecret(bodyOf(req).client_id, req.ip);
  }
}

/** Set by the guard from the issuer, so a proxy's Host header cannot choose the audience. */
export const CALLED_ENDPOINT = Symbol('calledEndpoint');

/**
 * Set by the guard: its application's authenticator. Passport keeps strategies in one
 * process-wide registry, so the last application built would otherwise authenticate the
 * requests of every application in the process (two instances in one test, say).
 */
export const CLIENT_AUTHENTICATOR = Symbol('clientAuthenticator');

function authenticatorOf(req: FastifyRequest): ClientAuthenticator {
  const authenticator = (req as unknown as Record<symbol, ClientAuthenticator | undefined>)[
    CLIENT_AUTHENTICATOR
  ];
  if (!authenticator) throw new Error('Client authentication ran without ClientAuthGuard');
  return authenticator;
}

function calledEndpoint(req: FastifyRequest): string {
  return (req as unknown as Record<symbol, string>)[CALLED_ENDPOINT] ?? '';
}
