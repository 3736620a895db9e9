import { createHmac, hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientMetadata } from '../clients/client-metadata.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/**
 * The sector a redirect URI belongs to (Core §8.1): its host. A private-use scheme
 * (`com.example.app:/cb`) has no host; RFC 8252 §7.1 makes the scheme the app's reverse domain
 * name, so the scheme is its sector, and unrelated native apps do not share one.
 */
export function redirectSector(uri: string): string {
  const url = new URL(uri);
  return url.host !== '' ? url.host : url.protocol;
}

/**
 * The sector of a pairwise client (Core §8.1): the host of its `sector_identifier_uri`, or
 * else the one sector its redirect URIs share (the validator refuses several without a
 * sector identifier).
 */
export function sectorOf(
  metadata: Pick<ClientMetadata, 'sector_identifier_uri' | 'redirect_uris'>,
): string {
  if (metadata.sector_identifier_uri) return new URL(metadata.sector_identifier_uri).host;
  const sectors = new Set(metadata.redirect_uris.map(redirectSector));
  if (sectors.size !== 1)
    throw new Error('A pairwise client needs one redirect sector or a sector_identifier_uri');
  return [...sectors][0];
}

/**
 * The `sub` a client sees. Public: the user's id, the same everywhere. Pairwise (Core §8.1):
 * an HMAC of the sector and the user's id under a key derived from KEYS_ENCRYPTION_SECRET,
 * stable for the sector, unlinkable across sectors, and not reversible without the secret.
 */
@Injectable()
export class Subjects {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = Buffer.from(
      hkdfSync('sha256', config.keys.encryptionSecret, 'openid-provider/pairwise', 'sub v1', 32),
    );
  }

  subjectFor(
    userId: string,
    metadata: Pick<ClientMetadata, 'subject_type' | 'sector_identifier_uri' | 'redirect_uris'>,
  ): string {
    if (metadata.subject_type !== 'pairwise') return userId;
    return createHmac('sha256', this.key)
      .update(`${sectorOf(metadata)}\n${userId}`)
      .digest('base64url');
  }
}
