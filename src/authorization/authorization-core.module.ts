import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { ConsentModule } from '../consent/consent.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ResourcesModule } from '../resources/resources.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthorizationCodes } from './authorization-codes.js';
import { AuthorizationParameters } from './authorization-parameters.js';
import { AuthorizationMetadata } from './authorization.metadata.js';
import { AuthorizationResponder } from './authorization-responder.js';
import { AuthorizationService } from './authorization.service.js';
import { PushedRequests } from './pushed-requests.js';
import { RequestObjects } from './request-objects.js';
import { DeviceAuthorizations } from './device-authorizations.js';

/**
 * What an authorization request is checked, decided and answered with, for `/authorize` and
 * the interaction steps alike, and the codes it hands to the token endpoint.
 */
@Module({
  imports: [ClientsModule, UsersModule, SessionsModule, ConsentModule, ResourcesModule],
  providers: [
    AuthorizationCodes,
    AuthorizationService,
    AuthorizationResponder,
    AuthorizationMetadata,
    AuthorizationParameters,
    PushedRequests,
    RequestObjects,
    DeviceAuthorizations,
  ],
  exports: [
    AuthorizationCodes,
    AuthorizationService,
    AuthorizationResponder,
    AuthorizationParameters,
    PushedRequests,
    RequestObjects,
    DeviceAuthorizations,
  ],
})
export class AuthorizationCoreModule {}
