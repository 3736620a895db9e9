import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource, In, Not, type EntityManager } from 'typeorm';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SigningAlg } from '../config/environment.js';
import { ADVISORY_LOCKS } from '../database/database.js';
import { SecretBox } from '../common/secret-box.js';
import { generateKeyMaterial, KeyOperationError, type KeyMaterial } from './key-material.js';
import { SigningKey } from './signing-key.entity.js';

/** What one pass of the rotation changed, by key id. */
export interface RotationOutcome {
  created: string[];
  promoted: string[];
  retired: string[];
  removed: string[];
  revoked: string[];
}

/** A manual rotation this soon after a promotion is taken as the same request again. */
const REPEATED_ROTATION_MS = 60_000;

/**
 * How long relying parties may cache the JWKS (its `Cache-Control: max-age`, seconds): half
 * the pre-publication period, at most ten minutes.
 */
export function jwksMaxAgeSeconds(config: AppConfig): number {
  return Math.min(600, Math.floor(config.keys.prepublishPeriod / 2_000));
}

const emptyOutcome = (): RotationOutcome => ({
  created: [],
  promoted: [],
  retired: [],
  removed: [],
  revoked: [],
});

export const noChange = (o: RotationOutcome) =>
  Object.values(o).every((kids: string[]) => kids.length === 0);

/**
 * Owns the `signing_keys` table. Every change of state runs in a transaction holding one
 * advisory lock, and decides from what the database says at that moment, so instances that
 * run it at the same time do the work once. Partial unique indexes back this up: never two
 * active or two next keys for one algorithm.
 */
@Injectable()
export class KeyStore {
  private readonly logger = new Logger('Keys');
  private readonly encryption: SecretBox;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.encryption = new SecretBox(
      config.keys.encryptionSecret,
      'signing-keys',
      (kid) => `Signing key ${kid}`,
    );
  }

  /** Keys that may appear in the JWKS or sign: every key not revoked (removed ones are gone). */
  async listUsable(): Promise<SigningKey[]> {
    return this.dataSource.getRepository(SigningKey).find({
      where: { status: In(['next', 'active', 'retired']) },
      order: { createdAt: 'ASC' },
    });
  }

  async listAll(): Promise<SigningKey[]> {
    return this.dataSource
      .getRepository(SigningKey)
      .find({ order: { alg: 'ASC', createdAt: 'ASC' } });
  }

  decryptPrivateKey(key: SigningKey): Buffer {
    if (!key.privateKeyEncrypted) throw new Error(`Signing key ${key.kid} has no private key`);
    return this.encryption.decrypt(key.privateKeyEncrypted, key.kid);
  }

  /**
   * The scheduled pass, for every configured algorithm: make sure there is an active key
   * (first boot, or after a revocation), promote `next` once the active key is due and `next`
   * has been published long enough, keep one `next`, and remove retired keys past retention.
   */
  async rotate(
    options: { force?: boolean; emergency?: boolean; algorithms?: SigningAlg[] } = {},
  ): Promise<RotationOutcome> {
    const configured = this.config.keys.algorithms;
    const algorithms = options.algorithms ?? configured;
    const unknown = algorithms.filter((alg) => !configured.includes(alg));
    if (unknown.length > 0) {
      throw new KeyOperationError(
        `${unknown.join(', ')} is not in SIGNING_ALGS (${configured.join(',')})`,
      );
    }
    return this.locked(async (em, now) => {
      const outcome = emptyOutcome();
      if (!options.algorithms) await this.retireUnconfigured(em, now, outcome);
      for (const alg of algorithms) {
        const keys = await em.find(SigningKey, { where: { alg, status: In(['next', 'active']) } });
        const active = keys.find((k) => k.status === 'active');
        let next = keys.find((k) => k.status === 'next');

        if (!active) {
          // Nothing signs for this algorithm: promote `next` at once, or create a key.
          if (next) {
            await this.promote(em, next, now, outcome);
            next = undefined;
          } else {
            await this.insert(em, await this.material(alg), 'active', now, outcome);
          }
        } else if (next) {
          const since = now.getTime() - active.activatedAt!.getTime();
          const due = since >= this.config.keys.rotationPeriod;
          const published =
            now.getTime() - next.createdAt.getTime() >= this.config.keys.prepublishPeriod;
          // A manual rotation asked again (on another instance, by a retry) while one has just
          // promoted this key is the same rotation: nothing more happens. "Just": within a
          // minute, and within the JWKS max-age (past it, rotating again is safe anyway).
          const promoted = active.createdAt.getTime() < active.activatedAt!.getTime();
          const repeatWindow = Math.min(
            REPEATED_ROTATION_MS,
            jwksMaxAgeSeconds(this.config) * 1000,
          );
          if (options.force && promoted && since < repeatWindow) continue;
          if (options.force && !options.emergency) this.checkPublished(next, now);
          if (options.force || (due && published)) {
            await this.retire(em, active, now, outcome);
            await this.promote(em, next, now, outcome);
            next = undefined;
          } else if (due) {
            this.logger.warn(
              `The ${alg} key ${active.kid} is due for rotation; waiting until ${next.kid} has been published for KEY_PREPUBLISH_PERIOD`,
            );
          }
        }
        if (!next) await this.insert(em, await this.material(alg), 'next', now, outcome);
      }
      const expired = await em
        .createQueryBuilder(SigningKey, 'k')
        .where('k.status = :status AND k.removeAfter <= :now', { status: 'retired', now })
        .getMany();
      if (expired.length > 0) {
        await em.delete(SigningKey, { id: In(expired.map((k) => k.id)) });
        outcome.removed.push(...expired.map((k) => k.kid));
      }
      return outcome;
    });
  }

  /**
   * A manual rotation promotes `next` only once every JWKS a relying party may have cached
   * before it was published has expired; otherwise it refuses, and the transaction (every
   * algorithm of the request) changes nothing.
   */
  private checkPublished(next: SigningKey, now: Date): void {
    const published = Math.floor((now.getTime() - next.createdAt.getTime()) / 1000);
    const needed = jwksMaxAgeSeconds(this.config);
    if (published >= needed) return;
    throw new KeyOperationError(
      `The next ${next.alg} key ${next.kid} has been published for ${published} s, less than the JWKS cache lifetime (${needed} s): relying parties may not know it yet. Rotate again in ${needed - published} s, or as an emergency (admin API "emergency": true, CLI --emergency) to promote it anyway`,
    );
  }

  /**
   * Stores an operator's key. As `next` (the default) it is published now and signs from the
   * next rotation; with `activate` it signs at once and the active key retires.
   */
  async import(material: KeyMaterial, activate: boolean): Promise<RotationOutcome> {
    if (!this.config.keys.algorithms.includes(material.alg)) {
      throw new KeyOperationError(
        `${material.alg} is not in SIGNING_ALGS (${this.config.keys.algorithms.join(',')})`,
      );
    }
    return this.locked(async (em, now) => {
      const outcome = emptyOutcome();
      if (await em.findOne(SigningKey, { where: { kid: material.kid } })) {
        throw new KeyOperationError(`This key is already stored (kid ${material.kid})`);
      }
      const current = await em.findOne(SigningKey, {
        where: { alg: material.alg, status: activate ? 'active' : 'next' },
      });
      if (current && activate) await this.retire(em, current, now, outcome);
      // A replaced `next` key never signed anything: it can go at once.
      if (current && !activate) {
        await em.delete(SigningKey, { id: current.id });
        outcome.removed.push(current.kid);
      }
      await this.insert(em, material, activate ? 'active' : 'next', now, outcome, 'imported');
      return outcome;
    });
  }

  /**
   * Revokes a compromised key: it leaves the JWKS and stops verifying at once, and its private
   * key is erased. If it was the active key, `next` takes over immediately.
   */
  async revoke(kid: string): Promise<RotationOutcome> {
    const alg = await this.locked(async (em, now) => {
      const key = await em.findOne(SigningKey, { where: { kid } });
      if (!key) throw new KeyOperationError(`No signing key has kid ${kid}`);
      if (key.status === 'revoked')
        throw new KeyOperationError(`Signing key ${kid} is already revoked`);
      await em.update(
        SigningKey,
        { id: key.id },
        { status: 'revoked', revokedAt: now, privateKeyEncrypted: null },
      );
      return key.alg;
    });
    if (!this.config.keys.algorithms.includes(alg)) return { ...emptyOutcome(), revoked: [kid] };
    // Fill the gap the revoked key left: a new active and/or next key.
    return { ...(await this.rotate({ algorithms: [alg] })), revoked: [kid] };
  }

  /**
   * An algorithm taken out of SIGNING_ALGS stops signing: its active key retires (and stays
   * published for the retention period), its next key, which never signed, goes at once.
   */
  private async retireUnconfigured(em: EntityManager, now: Date, outcome: RotationOutcome) {
    const stale = await em.find(SigningKey, {
      where: { alg: Not(In(this.config.keys.algorithms)), status: In(['next', 'active']) },
    });
    for (const key of stale) {
      if (key.status === 'active') {
        await this.retire(em, key, now, outcome);
      } else {
        await em.delete(SigningKey, { id: key.id });
        outcome.removed.push(key.kid);
      }
    }
  }

  private material(alg: SigningAlg): Promise<KeyMaterial> {
    return generateKeyMaterial(alg, this.config.keys.rsaModulusLength);
  }

  private locked<T>(work: (em: EntityManager, now: Date) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.keyRotation]);
      return work(em, new Date(this.clock.now()));
    });
  }

  private async insert(
    em: EntityManager,
    material: KeyMaterial,
    status: 'next' | 'active',
    now: Date,
    outcome: RotationOutcome,
    origin: 'generated' | 'imported' = 'generated',
  ): Promise<SigningKey> {
    const key = em.create(SigningKey, {
      kid: material.kid,
      alg: material.alg,
      status,
      origin,
      publicJwk: material.publicJwk,
      privateKeyEncrypted: this.encryption.encrypt(material.privateKeyDer, material.kid),
      x5c: material.x5c,
      createdAt: now,
      activatedAt: status === 'active' ? now : null,
    });
    const saved = await em.save(key);
    outcome.created.push(material.kid);
    if (status === 'active') outcome.promoted.push(material.kid);
    return saved;
  }

  private async promote(em: EntityManager, key: SigningKey, now: Date, outcome: RotationOutcome) {
    await em.update(SigningKey, { id: key.id }, { status: 'active', activatedAt: now });
    outcome.promoted.push(key.kid);
  }

  private async retire(em: EntityManager, key: SigningKey, now: Date, outcome: RotationOutcome) {
    const removeAfter = new Date(now.getTime() + this.config.keys.retentionPeriod);
    await em.update(SigningKey, { id: key.id }, { status: 'retired', retiredAt: now, removeAfter });
    outcome.retired.push(key.kid);
  }
}
