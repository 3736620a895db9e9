import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from '../clients/client-metadata.js';
import { validateClientMetadata } from '../clients/client-metadata.validator.js';
import { ClientsService } from '../clients/clients.service.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export { ADMIN_RESOURCE_PATH, ADMIN_SCOPE };

/**
 * Creates or updates the admin client of ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET at boot: a
 * confidential `client_credentials` client that may ask for the `admin` scope. Like the
 * clients file it is managed by configuration, so the admin API cannot change it.
 */
@Injectable()
export class AdminClientBootstrap implements OnModuleInit {
  private readonly logger = new Logger('Admin');

  constructor(
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const admin = this.config.adminClient;
    if (!admin) return;
    const metadata = validateClientMetadata(
      {
        client_name: 'Administration',
        description: 'Bootstrapped from ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: ADMIN_SCOPE,
      },
      'seed',
    );
    const outcome = await this.clients.upsertStatic({
      clientId: admin.clientId,
      metadata,
      secret: admin.secret,
    });
    if (outcome !== 'unchanged') this.logger.log(`Admin client ${admin.clientId} ${outcome}`);
  }
}
