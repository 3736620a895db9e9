import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { NoStore } from '../common/no-store.js';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  AdminClient,
  AdminClientsPage,
  AdminClientWithSecret,
  ApiPageQuery,
  RotatedClientSecret,
  SecretRotationInput,
} from './admin.openapi.js';
import { AdminClientInput } from '../clients/client-metadata.openapi.js';
import { validateClientMetadata } from '../clients/client-metadata.validator.js';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { Conflict, InvalidRequest, NotFound } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AccessTokenClaims } from '../token/access-tokens.js';
import { BearerClaims, RequireScope } from '../token/bearer-auth.js';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from './admin-client.bootstrap.js';
import { durationInput, jsonObject, optionalJsonObject, paging } from './admin-input.js';
import { clientView } from './client-view.js';

const CLIENT_ID = /^[\x21-\x7e]{1,200}$/;
const MAX_OVERLAP_MS = 30 * 86_400_000;

const EXAMPLE_CLIENT = {
  client_id: 'billing-worker',
  client_name: 'Billing worker',
  grant_types: ['client_credentials'],
  scope: 'invoices:read invoices:write',
  audience: ['https://invoices.internal.example.com'],
  lifespans: { access_token: '15m' },
};

@ApiTags('admin')
@Controller('admin/clients')
@RequireScope(ADMIN_SCOPE, { audience: ADMIN_RESOURCE_PATH })
export class AdminClientsController {
  private readonly logger = new Logger('Admin');

  constructor(
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @NoStore()
  @ApiOperation({
    summary: 'Create a client',
    description:
      'The body is client metadata as in docs/clients.md, with an optional client_id, and optionally client_secret (at least 32 characters) or client_secret_digest (argon2id, bcrypt, pbkdf2) to import. A generated client_secret is returned once.',
  })
  @ApiBody({
    type: AdminClientInput,
    examples: { service: { summary: 'A service with client_credentials', value: EXAMPLE_CLIENT } },
  })
  @ApiCreatedResponse({ description: 'The client', type: AdminClientWithSecret })
  async create(
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const { client_id, client_secret, client_secret_digest, ...input } = jsonObject(body);
    if (client_id !== undefined && (typeof client_id !== 'string' || !CLIENT_ID.test(client_id))) {
      throw new InvalidRequest('client_id must be 1 to 200 visible ASCII characters');
    }
    if (client_secret !== undefined && typeof client_secret !== 'string') {
      throw new InvalidRequest('client_secret must be a string');
    }
    if (client_secret_digest !== undefined && typeof client_secret_digest !== 'string') {
      throw new InvalidRequest('client_secret_digest must be a string');
    }
    const metadata = validateClientMetadata(input, 'admin', {
      signingAlgs: this.config.keys.algorithms,
    });
    const { client, secret } = await this.clients.create({
      metadata,
      origin: 'admin',
      clientId: client_id,
      secret: client_secret,
      secretDigest: client_secret_digest,
    });
    this.logger.log(`Client ${client.clientId} created by ${admin.client_id}`);
    return {
      ...clientView(client, this.clients),
      ...(secret !== undefined && !client_secret && { client_secret: secret }),
    };
  }

  @Get()
  @ApiOperation({ summary: 'List clients, in client_id order, a page at a time' })
  @ApiPageQuery()
  @ApiOkResponse({ description: 'A page of clients', type: AdminClientsPage })
  async list(
    @Query() query: Record<string, unknown>,
  ): Promise<{ clients: unknown[]; next?: string }> {
    const page = await this.clients.list(paging(query));
    return {
      clients: page.clients.map((client) => clientView(client, this.clients)),
      ...(page.next && { next: page.next }),
    };
  }

  @Get(':clientId')
  @ApiOperation({ summary: 'Read a client' })
  @ApiOkResponse({ description: 'The client', type: AdminClient })
  async read(@Param('clientId') clientId: string): Promise<Record<string, unknown>> {
    return clientView(await this.existing(clientId), this.clients);
  }

  @Put(':clientId')
  @NoStore()
  @ApiOperation({
    summary: 'Replace a client’s metadata',
    description:
      'A new secret is returned when the change needs one (the client turned confidential, or to client_secret_jwt).',
  })
  @ApiBody({
    type: AdminClientInput,
    examples: { service: { summary: 'A service with client_credentials', value: EXAMPLE_CLIENT } },
  })
  @ApiOkResponse({ description: 'The client', type: AdminClientWithSecret })
  async update(
    @Param('clientId') clientId: string,
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const input = { ...jsonObject(body) };
    if (input.client_id !== undefined && input.client_id !== clientId) {
      throw new InvalidRequest('client_id cannot be changed');
    }
    for (const field of ['client_id', 'client_secret', 'client_secret_digest']) delete input[field];
    this.managedHere(await this.existing(clientId));
    const metadata = validateClientMetadata(input, 'admin', {
      signingAlgs: this.config.keys.algorithms,
    });
    const updated = await this.clients.update(clientId, metadata);
    if (!updated) throw notFound(clientId);
    this.logger.log(`Client ${clientId} updated by ${admin.client_id}`);
    return {
      ...clientView(updated.client, this.clients),
      ...(updated.secret !== undefined && { client_secret: updated.secret }),
    };
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a client; its tokens stop introspecting as active' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async delete(
    @Param('clientId') clientId: string,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<void> {
    this.managedHere(await this.existing(clientId));
    if (!(await this.clients.delete(clientId))) throw notFound(clientId);
    this.logger.log(`Client ${clientId} deleted by ${admin.client_id}`);
  }

  @Post(':clientId/secret')
  @HttpCode(200)
  @NoStore()
  @ApiOperation({
    summary: 'Rotate a client’s secret',
    description:
      'Body (optional): { "overlap": "1h" } keeps the old secret working that long (a duration or seconds, at most 30d), so the client can be redeployed without a failed request.',
  })
  @ApiBody({ type: SecretRotationInput, required: false })
  @ApiOkResponse({ description: 'The new secret', type: RotatedClientSecret })
  async rotateSecret(
    @Param('clientId') clientId: string,
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const { overlap } = optionalJsonObject(body);
    const overlapMs = overlap === undefined ? 0 : durationInput(overlap, 'overlap', MAX_OVERLAP_MS);
    this.managedHere(await this.existing(clientId));
    const rotated = await this.clients.rotateSecret(clientId, overlapMs);
    if (!rotated) throw notFound(clientId);
    this.logger.log(`Secret of client ${clientId} rotated by ${admin.client_id}`);
    return {
      client_id: clientId,
      client_secret: rotated.secret,
      ...(rotated.client.previousSecretExpiresAt && {
        previous_secret_expires_at: rotated.client.previousSecretExpiresAt.toISOString(),
      }),
    };
  }

  private async existing(clientId: string): Promise<Client> {
    const client = CLIENT_ID.test(clientId) ? await this.clients.find(clientId) : undefined;
    if (!client) throw notFound(clientId);
    return client;
  }

  /** Clients of CLIENTS_FILE and the admin client belong to configuration: a boot would undo a change. */
  private managedHere(client: Client): void {
    if (client.origin === 'seed') {
      throw new Conflict(
        `Client ${client.clientId} is managed by configuration (CLIENTS_FILE or ADMIN_CLIENT_ID); change it there`,
      );
    }
  }
}

function notFound(clientId: string): NotFound {
  return new NotFound(`No client has the id ${clientId.slice(0, 200)}`);
}
