import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { validateClientMetadata } from '../clients/client-metadata.validator.js';
import { ClientsService } from '../clients/clients.service.js';
import { OAuthError } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { UsersService } from '../users/users.service.js';

/**
 * The demo account and relying party of the embedded default, published in the README and
 * used by `examples/rp.ts`. These credentials are public: they exist only where DEMO_SEED
 * allows (never in production, never on DATABASE_URL).
 */
export const DEMO_USER = {
  username: 'demo',
  password: 'demo-password',
  claims: {
    name: 'Demo User',
    given_name: 'Demo',
    family_name: 'User',
    email: 'demo@example.com',
    email_verified: true,
  },
} as const;

export const DEMO_CLIENT = {
  clientId: 'demo-rp',
  secret: 'demo-rp-secret-for-local-development-only',
  metadata: {
    client_name: 'Demo relying party',
    redirect_uris: ['http://localhost:3000/callback', 'http://127.0.0.1:3000/callback'],
    post_logout_redirect_uris: ['http://localhost:3000/', 'http://127.0.0.1:3000/'],
    frontchannel_logout_uri: 'http://localhost:3000/frontchannel-logout',
    frontchannel_logout_session_required: true,
    backchannel_logout_uri: 'http://localhost:3000/backchannel-logout',
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile email',
  },
} as const;

/** The issuer `examples/rp.ts` uses when ISSUER is unset. */
const RP_DEFAULT_ISSUER = 'http://localhost:8080';

/**
 * Seeds the demo user and client at boot when `config.demoSeed` says so (the embedded default,
 * outside production, DEMO_SEED=auto), then logs how to try them. Running it again changes
 * nothing: the user is created once and then left as it is (a password or TOTP set through
 * the admin API stays); the client is kept to the definition above. A user or client of the
 * same name created another way is never taken over.
 */
@Injectable()
export class DemoSeed implements OnApplicationBootstrap {
  private readonly logger = new Logger('Demo');

  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoSeed) return;
    const user = await this.seedUser();
    const client = await this.seedClient();
    if (!user || !client) return;
    // The example's default issuer is the provider's own default; any other needs saying.
    const rp =
      this.config.issuer === RP_DEFAULT_ISSUER
        ? 'npm run example:rp'
        : `ISSUER=${this.config.issuer} npm run example:rp`;
    this.logger.log(
      `Demo: to try the sign-in flow, run \`${rp}\` in another terminal, open http://localhost:3000 and sign in as ${DEMO_USER.username} with the password ${DEMO_USER.password} (client ${DEMO_CLIENT.clientId}). These demo credentials are public; DEMO_SEED=off leaves them out.`,
    );
  }

  private async seedUser(): Promise<boolean> {
    const existing = await this.users.findByUsername(DEMO_USER.username);
    if (existing) {
      if (existing.origin === 'demo') return true;
      this.logger.warn(
        `Demo: a user named ${DEMO_USER.username} exists with origin ${existing.origin}; the demo user is not seeded`,
      );
      return false;
    }
    await this.users.create({
      username: DEMO_USER.username,
      password: DEMO_USER.password,
      claims: { ...DEMO_USER.claims },
      origin: 'demo',
    });
    this.logger.log(`Demo: user ${DEMO_USER.username} created`);
    return true;
  }

  private async seedClient(): Promise<boolean> {
    const metadata = validateClientMetadata(
      JSON.parse(JSON.stringify(DEMO_CLIENT.metadata)),
      'seed',
    );
    try {
      const outcome = await this.clients.upsertStatic({
        clientId: DEMO_CLIENT.clientId,
        metadata,
        secret: DEMO_CLIENT.secret,
        origin: 'demo',
      });
      if (outcome !== 'unchanged')
        this.logger.log(`Demo: client ${DEMO_CLIENT.clientId} ${outcome}`);
      return true;
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      this.logger.warn(`Demo: the demo client is not seeded: ${e.description ?? e.error}`);
      return false;
    }
  }
}
