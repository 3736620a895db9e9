import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidRequest, InvalidRequestUri } from '../common/errors/oauth-error.js';
import { requireFormBody } from '../common/form-body.guard.js';
import type { RawParameters } from './authorization-request.js';
import { PUSHED_REQUEST_URI_PREFIX, PushedRequests } from './pushed-requests.js';
import { RequestObjects } from './request-objects.js';

/** An authorization request's parameters, and how they came. */
export interface ResolvedParameters {
  params: RawParameters;
  /** Pushed to `/par` first (RFC 9126). */
  pushed: boolean;
  /** A signed request object (RFC 9101), by value or pushed. */
  signed: boolean;
}

/**
 * Where an authorization request's parameters come from: the query of a GET, or the form body
 * of a POST (OpenID Connect Core §3.1.2.1), the pushed request a `request_uri` of ours stands
 * for (RFC 9126 §4), or the claims of a signed request object (RFC 9101). This is the one
 * step before validation: everything after sees resolved parameters only. Errors here are
 * shown on the provider's page: nothing of the request is trusted yet.
 */
@Injectable()
export class AuthorizationParameters {
  constructor(
    @Inject(PushedRequests) private readonly pushed: PushedRequests,
    @Inject(RequestObjects) private readonly requestObjects: RequestObjects,
  ) {}

  async resolve(req: FastifyRequest, body?: unknown): Promise<ResolvedParameters> {
    const sent =
      req.method === 'POST'
        ? (requireFormBody(req, body) as RawParameters)
        : ((req.query as RawParameters | undefined) ?? {});
    const requestUri = sent.request_uri;
    if (typeof requestUri !== 'string' || !requestUri.startsWith(PUSHED_REQUEST_URI_PREFIX)) {
      if (sent.request !== undefined)
        return { params: await this.requestObjects.resolve(sent), pushed: false, signed: true };
      // A request_uri of another kind is refused by validation (request_uri_not_supported).
      return { params: sent, pushed: false, signed: false };
    }
    const clientId = sent.client_id;
    if (typeof clientId !== 'string' || clientId === '')
      throw new InvalidRequest('client_id is required with request_uri');
    // §4: the pushed parameters are the request; any others sent beside them are ignored.
    const pushed = await this.pushed.take(requestUri, clientId);
    if (!pushed)
      throw new InvalidRequestUri(
        'The request_uri is unknown, expired, already used, or was pushed by another client',
      );
    return { ...pushed, pushed: true };
  }
}
