import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsEmail,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ArrayMaxSize,
  ValidateNested,
  validateSync,
  type ValidationError,
  ValidatorConstraint,
  Validate,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { InvalidRequest } from '../common/errors/oauth-error.js';
import type { AddressClaim, ProfileClaims } from './user-claims.js';

const WEB_URL = { protocols: ['https', 'http'], require_protocol: true, require_tld: false };

@ValidatorConstraint({ name: 'isTimeZone' })
class IsTimeZone implements ValidatorConstraintInterface {
  private static readonly zones = new Set(Intl.supportedValuesOf('timeZone').concat('UTC'));
  validate(value: unknown): boolean {
    return typeof value === 'string' && IsTimeZone.zones.has(value);
  }
  defaultMessage(): string {
    return 'zoneinfo must be an IANA time zone such as Europe/Paris';
  }
}

@ValidatorConstraint({ name: 'isLocale' })
class IsLocale implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || value.length > 35) return false;
    try {
      return Intl.getCanonicalLocales(value.replace('_', '-')).length === 1;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return 'locale must be a BCP 47 language tag such as en-US';
  }
}

export class AddressInput implements AddressClaim {
  @ApiPropertyOptional({ maxLength: 500, example: '10 rue de Rivoli, 75001 Paris, France' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  formatted?: string;
  @ApiPropertyOptional({ maxLength: 200, example: '10 rue de Rivoli' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  street_address?: string;
  @ApiPropertyOptional({ maxLength: 100, example: 'Paris' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  locality?: string;
  @ApiPropertyOptional({ maxLength: 100, example: 'Île-de-France' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  region?: string;
  @ApiPropertyOptional({ maxLength: 20, example: '75001' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  postal_code?: string;
  @ApiPropertyOptional({ maxLength: 100, example: 'France' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  country?: string;
}

/** The claims and groups of a user, as the admin API and the users file give them. */
export class UserAttributes implements ProfileClaims {
  @ApiPropertyOptional({
    maxLength: 200,
    description: 'OpenID Connect Core §5.1 standard claims, here and below',
    example: 'Alice Martin',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
  @ApiPropertyOptional({ maxLength: 100, example: 'Alice' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  given_name?: string;
  @ApiPropertyOptional({ maxLength: 100, example: 'Martin' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  family_name?: string;
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  middle_name?: string;
  @ApiPropertyOptional({ maxLength: 100, example: 'ali' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  nickname?: string;
  @ApiPropertyOptional({
    format: 'uri',
    maxLength: 2000,
    example: 'https://intranet.example.com/people/alice',
  })
  @IsOptional()
  @IsUrl(WEB_URL)
  @MaxLength(2000)
  profile?: string;
  @ApiPropertyOptional({ format: 'uri', maxLength: 2000 })
  @IsOptional()
  @IsUrl(WEB_URL)
  @MaxLength(2000)
  picture?: string;
  @ApiPropertyOptional({ format: 'uri', maxLength: 2000 })
  @IsOptional()
  @IsUrl(WEB_URL)
  @MaxLength(2000)
  website?: string;
  @ApiPropertyOptional({ maxLength: 50 })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  gender?: string;
  /** Core §5.1: YYYY-MM-DD, or YYYY alone, or 0000-MM-DD when the year is withheld. */
  @ApiPropertyOptional({
    description: 'YYYY-MM-DD, YYYY, or 0000-MM-DD when the year is withheld',
    example: '1990-04-01',
  })
  @IsOptional()
  @Matches(/^\d{4}(-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$/, {
    message: 'birthdate must be YYYY-MM-DD or YYYY',
  })
  birthdate?: string;
  @ApiPropertyOptional({ description: 'An IANA time zone', example: 'Europe/Paris' })
  @IsOptional()
  @Validate(IsTimeZone)
  zoneinfo?: string;
  @ApiPropertyOptional({ description: 'A BCP 47 language tag', example: 'fr-FR' })
  @IsOptional()
  @Validate(IsLocale)
  locale?: string;
  @ApiPropertyOptional({ format: 'email', maxLength: 320, example: 'alice@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;
  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  email_verified?: boolean;
  /** E.164 is recommended (Core §5.1), extensions allowed: +1 (425) 555-1212;ext=5678. */
  @ApiPropertyOptional({
    description: 'E.164 recommended; an extension may follow',
    example: '+33 1 23 45 67 89',
  })
  @IsOptional()
  @Matches(/^\+?[0-9 ()./-]{3,40}(;ext=[0-9]{1,10})?$/, {
    message: 'phone_number must be a telephone number such as +1 (425) 555-1212',
  })
  phone_number?: string;
  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  phone_number_verified?: boolean;
  @ApiPropertyOptional({ type: () => AddressInput })
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressInput)
  address?: AddressInput;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 200,
    description: 'Each 1 to 100 characters without spaces or commas; the groups claim',
    example: ['staff', 'billing'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Matches(/^[^\s,]{1,100}$/, {
    each: true,
    message: 'each group must be 1 to 100 characters without spaces or commas',
  })
  groups?: string[];

  @ApiPropertyOptional({ description: 'A disabled user cannot sign in', example: false })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export const USERNAME = /^[\p{L}\p{N}._@+-]{1,100}$/u;

const IsUsername = () =>
  Matches(USERNAME, { message: 'username must be 1 to 100 letters, digits or . _ @ + -' });

/** The password policy wherever a password is set: 8 to 1024 characters. */
const IsPassword = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  MinLength(8)(target, key);
  MaxLength(1024)(target, key);
};

export class NewUserInput extends UserAttributes {
  @ApiProperty({ description: '1 to 100 letters, digits or . _ @ + -', example: 'alice' })
  @IsUsername()
  username!: string;

  @ApiPropertyOptional({
    minLength: 8,
    maxLength: 1024,
    description: 'Hashed with argon2id; without it the user cannot sign in with a password',
    example: 'correct horse battery staple',
  })
  @IsOptional()
  @IsPassword()
  password?: string;
}

/** A replacement of a user's profile: the username may change, the password not here. */
export class UserUpdateInput extends UserAttributes {
  @ApiPropertyOptional({ description: '1 to 100 letters, digits or . _ @ + -', example: 'alice' })
  @IsOptional()
  @IsUsername()
  username?: string;
}

/** A password reset: a chosen password, or none to have one generated. */
export class PasswordInput {
  @ApiPropertyOptional({
    minLength: 8,
    maxLength: 1024,
    description: 'Without it a password of 24 characters is generated and returned once',
    example: 'correct horse battery staple',
  })
  @IsOptional()
  @IsPassword()
  password?: string;
}

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) return Object.values(e.constraints).map((m) => m.replace(e.property, path));
    return describe(e.children ?? [], path);
  });
}

/**
 * Validates user input against one of the classes above: unknown members are dropped, each
 * problem is named. The first problem is the error's description.
 */
export function validateUserInput<T extends object>(
  cls: new () => T,
  input: unknown,
  what = 'The user',
): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidRequest(`${what} must be a JSON object`);
  }
  const instance = plainToInstance(cls, input, { excludeExtraneousValues: false });
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new InvalidRequest(describe(errors).slice(0, 3).join('; '));
  return instance;
}

/** Splits validated attributes into what the user record stores. */
export function toRecord(attributes: UserAttributes): {
  claims: ProfileClaims;
  groups?: string[];
  disabled?: boolean;
} {
  const { groups, disabled, ...rest } = attributes as UserAttributes & {
    username?: string;
    password?: string;
  };
  delete (rest as { username?: string }).username;
  delete (rest as { password?: string }).password;
  // null is taken as absent, as for client metadata: never stored, never released as a claim.
  const claims = JSON.parse(
    JSON.stringify(rest, (_key, value: unknown) => (value === null ? undefined : value)),
  ) as ProfileClaims;
  return { claims, groups: groups ? [...new Set(groups)] : undefined, disabled };
}
