import { Inject, Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { ClientMetadata } from '../client-metadata.js';
import type { Client } from '../client.entity.js';
import { ClientJwksCache } from './client-jwks.js';

/**
 * A client's registered public keys (`jwks` inline, or its `jwks_uri`), for the JWTs it signs:
 * client assertions (RFC 7523) and request objects (RFC 9101) alike.
 */
@Injectable()
export class ClientKeys {
  private readonly inline = new WeakMap<ClientMetadata, JWTVerifyGetKey>();

  constructor(
    @Inject(ClientJwksCache) private readonly jwks: ClientJwksCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  has(client: Client): boolean {
    return client.metadata.jwks !== undefined || client.metadata.jwks_uri !== undefined;
  }

  /**
   * Verifies a JWT with the client's keys (`has()` first). A `kid` the cached `jwks_uri`
   * document does not hold fetches it once more: the client may have rotated its keys. Throws
   * jose's errors, or `JwksFetchError` when the document cannot be had.
   */
  async verify(jwt: string, client: Client, options: JWTVerifyOptions): Promise<JWTPayload> {
    const { jwks, jwks_uri } = client.metadata;
    if (jwks) {
      let keys = this.inline.get(client.metadata);
      if (!keys) this.inline.set(client.metadata, (keys = createLocalJWKSet(jwks)));
      return (await jwtVerify(jwt, keys, options)).payload;
    }
    if (!jwks_uri) throw new Error('The client has no registered keys');
    // A URI a registrant chose is never fetched inside the provider's network in production.
    const allowPrivateNetwork = client.origin !== 'registration' || !this.config.production;
    try {
      return (
        await jwtVerify(jwt, await this.jwks.keys(jwks_uri, { allowPrivateNetwork }), options)
      ).payload;
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
      const refreshed = await this.jwks.keys(jwks_uri, { refresh: true, allowPrivateNetwork });
      return (await jwtVerify(jwt, refreshed, options)).payload;
    }
  }
}
