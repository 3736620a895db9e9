import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { DataSource, type Repository } from 'typeorm';
import { InvalidRequest } from '../common/errors/oauth-error.js';
import { SecretBox } from '../common/secret-box.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { hashPassword, isPasswordDigest, needsRehash, verifyPassword } from './passwords.js';
import type { ProfileClaims } from './user-claims.js';
import { User, type UserOrigin } from './user.entity.js';
import { isUuid } from '../common/uuid.js';

export class UsernameTaken extends InvalidRequest {
  constructor(username: string) {
    super(`The username ${username} is taken`);
  }
}

export interface NewUser {
  username: string;
  /** A password to hash, or an imported digest (argon2id, bcrypt, pbkdf2); neither: no login. */
  password?: string;
  passwordDigest?: string;
  claims: ProfileClaims;
  groups?: string[];
  disabled?: boolean;
  origin: UserOrigin;
}

export interface UserPage {
  users: User[];
  next?: string;
}

/** Owns the `users` table: accounts, their claims, password digests and TOTP secrets. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');
  private readonly totp: SecretBox;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.totp = new SecretBox(
      config.keys.encryptionSecret,
      'totp',
      (id) => `The TOTP secret of user ${id}`,
    );
  }

  private get repository(): Repository<User> {
    return this.dataSource.getRepository(User);
  }

  findById(id: string): Promise<User | null> {
    // Anything but a UUID is no user (and must not reach Postgres as a malformed uuid).
    if (!isUuid(id)) return Promise.resolve(null);
    return this.repository.findOne({ where: { id } });
  }

  /** By username, without regard to case. */
  findByUsername(username: string): Promise<User | null> {
    // NUL is no user name, and Postgres refuses it in text (an error, not a miss).
    if (username.length === 0 || username.length > 100 || username.includes('\u0000')) {
      return Promise.resolve(null);
    }
    return this.repository
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }

  /**
   * The user when the password is theirs and the account is enabled; undefined otherwise,
   * in about the same time whichever it was.
   */
  async checkPassword(username: string, password: string): Promise<User | undefined> {
    const user = await this.findByUsername(username);
    const ok = await verifyPassword(password, user?.passwordDigest);
    return ok && user && !user.disabled ? user : undefined;
  }

  async create(input: NewUser): Promise<User> {
    const passwordDigest = await this.digestFor(input);
    try {
      return await this.repository.save(
        this.repository.create({
          username: input.username,
          passwordDigest,
          claims: input.claims,
          groups: input.groups ?? [],
          disabled: input.disabled ?? false,
          totpSecretEncrypted: null,
          origin: input.origin,
        }),
      );
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new UsernameTaken(input.username);
      throw e;
    }
  }

  async list(options: { limit: number; after?: string }): Promise<UserPage> {
    const query = this.repository
      .createQueryBuilder('u')
      .orderBy('lower(u.username)', 'ASC')
      .limit(options.limit + 1);
    if (options.after !== undefined) {
      query.where('lower(u.username) > lower(:after)', { after: options.after });
    }
    const rows = await query.getMany();
    const users = rows.slice(0, options.limit);
    return {
      users,
      next: rows.length > options.limit ? users[users.length - 1].username : undefined,
    };
  }

  /**
   * Replaces claims, groups and the disabled flag; the password is changed separately. An
   * unchanged user writes nothing, so `updated_at` (a claim, Core §5.1) keeps its meaning.
   */
  async update(
    id: string,
    changes: { claims: ProfileClaims; groups?: string[]; disabled?: boolean; username?: string },
  ): Promise<User | undefined> {
    const user = await this.findById(id);
    if (!user) return undefined;
    const next = {
      claims: changes.claims,
      groups: changes.groups ?? user.groups,
      disabled: changes.disabled ?? user.disabled,
      username: changes.username ?? user.username,
    };
    if (
      isDeepStrictEqual(
        {
          claims: user.claims,
          groups: user.groups,
          disabled: user.disabled,
          username: user.username,
        },
        next,
      )
    ) {
      return user;
    }
    Object.assign(user, next);
    try {
      return await this.repository.save(user);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new UsernameTaken(user.username);
      throw e;
    }
  }

  async setPassword(id: string, password: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const result = await this.repository.update(
      { id },
      { passwordDigest: await hashPassword(password), passwordRehashedFrom: null },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * After a successful sign-in with an imported digest: stores the provider's argon2id of the
   * same password, unless the digest changed meanwhile (an operator set another password).
   */
  async rehashPassword(user: User, password: string): Promise<boolean> {
    const old = user.passwordDigest;
    if (old === null || !needsRehash(old)) return false;
    const result = await this.repository.update(
      { id: user.id, passwordDigest: old },
      { passwordDigest: await hashPassword(password), passwordRehashedFrom: sha256Hex(old) },
    );
    return (result.affected ?? 0) > 0;
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    if (!isUuid(id)) return false;
    const result = await this.repository.update({ id }, { disabled });
    return (result.affected ?? 0) > 0;
  }

  /** Stores (or with null, clears) the RFC 6238 secret, encrypted. */
  async setTotpSecret(id: string, secret: Buffer | null): Promise<boolean> {
    if (!isUuid(id)) return false;
    const result = await this.repository.update(
      { id },
      { totpSecretEncrypted: secret === null ? null : this.totp.encrypt(secret, id) },
    );
    return (result.affected ?? 0) > 0;
  }

  totpSecret(user: User): Buffer | undefined {
    return user.totpSecretEncrypted
      ? this.totp.decrypt(user.totpSecretEncrypted, user.id)
      : undefined;
  }

  async delete(id: string): Promise<boolean> {
    if ((await this.findById(id)) === null) return false;
    const result = await this.repository.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Creates or updates a user of the users file. Idempotent: an unchanged entry writes
   * nothing. A user created another way is never taken over.
   */
  async upsertSeed(
    entry: NewUser & { passwordDigest?: string },
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const existing = await this.findByUsername(entry.username);
    if (!existing) {
      try {
        await this.create({ ...entry, origin: 'seed' });
        return 'created';
      } catch (e) {
        if (e instanceof UsernameTaken) return this.upsertSeed(entry); // created meanwhile
        throw e;
      }
    }
    if (existing.origin !== 'seed') {
      throw new InvalidRequest(
        `The user ${entry.username} exists and was not created from USERS_FILE`,
      );
    }
    const claims = JSON.parse(JSON.stringify(entry.claims)) as ProfileClaims;
    const groups = entry.groups ?? [];
    const disabled = entry.disabled ?? false;
    // A digest the file still lists but a sign-in already re-hashed stays re-hashed.
    const digest =
      entry.passwordDigest !== undefined &&
      existing.passwordRehashedFrom === sha256Hex(entry.passwordDigest)
        ? existing.passwordDigest
        : (entry.passwordDigest ?? null);
    if (
      isDeepStrictEqual(existing.claims, claims) &&
      isDeepStrictEqual(existing.groups, groups) &&
      existing.disabled === disabled &&
      existing.passwordDigest === digest &&
      existing.username === entry.username
    ) {
      return 'unchanged';
    }
    Object.assign(existing, {
      claims,
      groups,
      disabled,
      passwordDigest: digest,
      passwordRehashedFrom:
        digest === existing.passwordDigest ? existing.passwordRehashedFrom : null,
      username: entry.username,
    });
    await this.repository.save(existing);
    this.logger.log(`USERS_FILE: updated ${entry.username}`);
    return 'updated';
  }

  private async digestFor(input: NewUser): Promise<string | null> {
    if (input.passwordDigest !== undefined) {
      if (!isPasswordDigest(input.passwordDigest)) {
        throw new InvalidRequest('password_digest must be argon2id, bcrypt or $pbkdf2-…');
      }
      return input.passwordDigest;
    }
    return input.password === undefined ? null : hashPassword(input.password);
  }
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
