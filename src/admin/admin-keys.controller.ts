import { Body, Controller, Get, HttpCode, Inject, Logger, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminSigningKeys,
  KeyImportInput,
  KeyRotationInput,
  RotationOutcomeView,
} from './admin-keys.openapi.js';
import { InvalidRequest, NotFound } from '../common/errors/oauth-error.js';
import { SUPPORTED_SIGNING_ALGS, type SigningAlg } from '../config/environment.js';
import { KeyOperationError } from '../keys/key-material.js';
import type { RotationOutcome } from '../keys/key-store.js';
import { KeysService } from '../keys/keys.service.js';
import type { AccessTokenClaims } from '../token/access-tokens.js';
import { BearerClaims, RequireScope } from '../token/bearer-auth.js';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from './admin-client.bootstrap.js';
import { jsonObject, optionalJsonObject } from './admin-input.js';

function algorithm(value: unknown, field: string): SigningAlg {
  if (typeof value !== 'string' || !(SUPPORTED_SIGNING_ALGS as readonly string[]).includes(value)) {
    throw new InvalidRequest(`${field} must be one of ${SUPPORTED_SIGNING_ALGS.join(', ')}`);
  }
  return value as SigningAlg;
}

/** Key operations fail with a KeyOperationError whose message is for the operator. */
async function keyOperation(work: () => Promise<RotationOutcome>): Promise<RotationOutcome> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof KeyOperationError) {
      if (/^No signing key has kid/.test(e.message)) throw new NotFound(e.message);
      throw new InvalidRequest(e.message);
    }
    throw e;
  }
}

@ApiTags('admin')
@Controller('admin/keys')
@RequireScope(ADMIN_SCOPE, { audience: ADMIN_RESOURCE_PATH })
export class AdminKeysController {
  private readonly logger = new Logger('Admin');

  constructor(@Inject(KeysService) private readonly keys: KeysService) {}

  @Get()
  @ApiOperation({ summary: 'Every signing key with its state and dates (public parts only)' })
  @ApiOkResponse({ description: 'The keys', type: AdminSigningKeys })
  async list(): Promise<{ keys: Record<string, unknown>[] }> {
    const keys = await this.keys.list();
    return {
      keys: keys.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        status: k.status,
        origin: k.origin,
        public_jwk: k.publicJwk,
        created_at: k.createdAt.toISOString(),
        activated_at: k.activatedAt?.toISOString() ?? null,
        retired_at: k.retiredAt?.toISOString() ?? null,
        remove_after: k.removeAfter?.toISOString() ?? null,
        revoked_at: k.revokedAt?.toISOString() ?? null,
      })),
    };
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Promote the next key now, for every algorithm or the ones given' })
  @ApiBody({ type: KeyRotationInput, required: false })
  @ApiOkResponse({ description: 'What changed', type: RotationOutcomeView })
  async rotate(
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<RotationOutcome> {
    const { algorithms, emergency } = optionalJsonObject(body);
    if (emergency !== undefined && typeof emergency !== 'boolean') {
      throw new InvalidRequest('emergency must be true or false');
    }
    if (algorithms !== undefined && (!Array.isArray(algorithms) || algorithms.length === 0)) {
      throw new InvalidRequest('algorithms must be a non-empty list');
    }
    const algs = (algorithms as unknown[] | undefined)?.map((a, i) =>
      algorithm(a, `algorithms[${i}]`),
    );
    const outcome = await keyOperation(() => this.keys.rotateNow(algs, { emergency }));
    this.logger.log(`Keys rotated by ${admin.client_id}${emergency ? ' (emergency)' : ''}`);
    return outcome;
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import a private key (PEM), optionally with its certificate chain',
    description:
      'RSA (at least 2048 bits), EC P-256 or Ed25519, unencrypted PKCS#8 or traditional PEM. It becomes the next key, or signs at once with activate (skipping pre-publication).',
  })
  @ApiBody({ type: KeyImportInput })
  @ApiOkResponse({ description: 'What changed', type: RotationOutcomeView })
  async import(
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<RotationOutcome> {
    const input = jsonObject(body);
    const { private_key_pem, certificate_chain_pem, alg, activate } = input;
    if (typeof private_key_pem !== 'string' || private_key_pem.length > 32_768) {
      throw new InvalidRequest('private_key_pem must be a PEM string');
    }
    if (
      certificate_chain_pem !== undefined &&
      (typeof certificate_chain_pem !== 'string' || certificate_chain_pem.length > 65_536)
    ) {
      throw new InvalidRequest('certificate_chain_pem must be a PEM string');
    }
    if (activate !== undefined && typeof activate !== 'boolean') {
      throw new InvalidRequest('activate must be true or false');
    }
    const outcome = await keyOperation(() =>
      this.keys.importKey({
        privateKeyPem: private_key_pem,
        chainPem: certificate_chain_pem,
        alg: alg === undefined ? undefined : algorithm(alg, 'alg'),
        activate: activate,
      }),
    );
    this.logger.log(`Key ${outcome.created.join(', ')} imported by ${admin.client_id}`);
    return outcome;
  }

  @Post(':kid/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a compromised key: it leaves the JWKS at once' })
  @ApiOkResponse({ description: 'What changed', type: RotationOutcomeView })
  async revoke(
    @Param('kid') kid: string,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<RotationOutcome> {
    if (kid.length > 200) throw new NotFound('No signing key has this kid');
    const outcome = await keyOperation(() => this.keys.revoke(kid));
    this.logger.log(`Key ${kid} revoked by ${admin.client_id}`);
    return outcome;
  }
}
