import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Logger,
  Param,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from '../clients/client-metadata.js';
import { InvalidRequest, NotFound } from '../common/errors/oauth-error.js';
import { ResourceDefinitionError, resourceView } from '../resources/resource-catalog.js';
import { ResourceServers, type StoredResource } from '../resources/resource-servers.service.js';
import type { AccessTokenClaims } from '../token/access-tokens.js';
import { BearerClaims, RequireScope } from '../token/bearer-auth.js';
import { jsonObject, paging } from './admin-input.js';
import {
  AdminResource,
  AdminResourceInput,
  AdminResourcesPage,
} from './admin-resources.openapi.js';
import { ApiPageQuery } from './admin.openapi.js';

const EXAMPLE_RESOURCE = {
  scopes: ['invoices:read', 'invoices:write'],
  clients: ['billing-worker', 'reports'],
  access_token_lifespan: '15m',
};

const IDENTIFIER_PARAM = ApiParam({
  name: 'identifier',
  description: 'The resource’s identifier, URL-encoded (https%3A%2F%2Finvoices.example.com)',
  example: 'https%3A%2F%2Finvoices.internal.example.com',
});

/**
 * The resource servers (RFC 8707) declared through the admin API; those of RESOURCES_FILE are
 * listed here too, and changed only in the file.
 */
@ApiTags('admin')
@Controller('admin/resources')
@RequireScope(ADMIN_SCOPE, { audience: ADMIN_RESOURCE_PATH })
export class AdminResourcesController {
  private readonly logger = new Logger('Admin');

  constructor(@Inject(ResourceServers) private readonly resources: ResourceServers) {}

  @Get()
  @ApiOperation({ summary: 'List resource servers, in identifier order, a page at a time' })
  @ApiPageQuery()
  @ApiOkResponse({ description: 'A page of resource servers', type: AdminResourcesPage })
  async list(
    @Query() query: Record<string, unknown>,
  ): Promise<{ resources: unknown[]; next?: string }> {
    const page = await this.resources.list(paging(query));
    return {
      resources: page.resources.map(adminView),
      ...(page.next && { next: page.next }),
    };
  }

  @Get(':identifier')
  @ApiOperation({ summary: 'Read a resource server' })
  @IDENTIFIER_PARAM
  @ApiOkResponse({ description: 'The resource server', type: AdminResource })
  async read(@Param('identifier') identifier: string): Promise<Record<string, unknown>> {
    const found = await this.resources.find(identifier);
    if (!found) throw notFound(identifier);
    return adminView(found);
  }

  @Put(':identifier')
  @ApiOperation({
    summary: 'Declare a resource server, or replace its declaration',
    description:
      'Takes effect on every instance at once. Tokens already issued keep their aud and scope until they expire.',
  })
  @IDENTIFIER_PARAM
  @ApiBody({
    type: AdminResourceInput,
    examples: { api: { summary: 'An API two services may call', value: EXAMPLE_RESOURCE } },
  })
  @ApiOkResponse({ description: 'Replaced', type: AdminResource })
  @ApiCreatedResponse({ description: 'Declared', type: AdminResource })
  async put(
    @Param('identifier') identifier: string,
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const input = jsonObject(body);
    if (input.identifier !== undefined && input.identifier !== identifier)
      throw new InvalidRequest('identifier in the body must be the one in the path');
    let definition;
    try {
      definition = this.resources.read({ ...input, identifier });
    } catch (e) {
      if (e instanceof ResourceDefinitionError) throw new InvalidRequest(e.message);
      throw e;
    }
    const { resource, created } = await this.resources.put(definition);
    this.logger.log(
      `Resource ${definition.identifier} ${created ? 'declared' : 'replaced'} by ${admin.client_id}`,
    );
    void reply.status(created ? 201 : 200);
    return adminView(resource);
  }

  @Delete(':identifier')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a resource server',
    description:
      'Clients can no longer get tokens for it (refresh tokens for it stop refreshing); tokens already issued stay valid until they expire.',
  })
  @IDENTIFIER_PARAM
  @ApiNoContentResponse({ description: 'Removed' })
  async delete(
    @Param('identifier') identifier: string,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<void> {
    if (!(await this.resources.delete(identifier))) throw notFound(identifier);
    this.logger.log(`Resource ${identifier} removed by ${admin.client_id}`);
  }
}

function adminView(resource: StoredResource): Record<string, unknown> {
  return {
    ...resourceView(resource.definition),
    origin: resource.origin,
    created_at: resource.createdAt.toISOString(),
    updated_at: resource.updatedAt.toISOString(),
  };
}

function notFound(identifier: string): NotFound {
  return new NotFound(`No resource server has the identifier ${identifier.slice(0, 300)}`);
}
