import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  errors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from 'jose';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import type { SigningAlg } from '../config/environment.js';
import { KeysService } from './keys.service.js';

/** Signs with the active key of an algorithm and verifies with any published key. */
@Injectable()
export class SigningService {
  constructor(
    @Inject(KeysService) private readonly keys: KeysService,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  /** Signs the claims as given; callers set `iss`, `iat`, `exp` and the rest. */
  async sign(
    payload: JWTPayload,
    options: { alg?: SigningAlg; typ?: string } = {},
  ): Promise<string> {
    const alg = options.alg ?? 'RS256';
    const key = this.keys.ring.active(alg);
    if (!key) throw new Error(`No active ${alg} signing key (is ${alg} in SIGNING_ALGS?)`);
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid: key.kid, ...(options.typ ? { typ: options.typ } : {}) })
      .sign(key.privateKey);
  }

  /**
   * Verifies a JWT signed by one of our published keys (never `none`, never a foreign key),
   * with `exp` and `nbf` checked against the provider's clock unless `currentDate` says otherwise.
   */
  async verify(jwt: string, options: JWTVerifyOptions = {}): Promise<JWTVerifyResult> {
    const ring = this.keys.ring;
    return jwtVerify(
      jwt,
      (header) => {
        const key = header.kid === undefined ? undefined : ring.published(header.kid);
        if (!key || key.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
        return key.publicKey;
      },
      // The algorithms of the published keys: a retired key of an algorithm since removed from
      // SIGNING_ALGS still verifies what it signed until its retention ends.
      { algorithms: ring.algorithms, currentDate: new Date(this.clock.now()), ...options },
    );
  }

  /** The current key ring; a new object whenever a key is added, rotated or revoked. */
  get keyRing(): object {
    return this.keys.ring;
  }

  /** The kid that signs for an algorithm now. */
  activeKid(alg: SigningAlg = 'RS256'): string | undefined {
    return this.keys.ring.active(alg)?.kid;
  }
}
