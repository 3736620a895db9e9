import { Module, type DynamicModule } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import type { AppConfig } from '../config/app-config.js';
import { RegistrationController } from './registration.controller.js';
import { RegistrationMetadata } from './registration.metadata.js';
import { RegistrationService } from './registration.service.js';

/** With REGISTRATION_MODE=off there is no endpoint at all, and discovery names none. */
@Module({})
export class RegistrationModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (config.registration.mode === 'off') return { module: RegistrationModule };
    return {
      module: RegistrationModule,
      imports: [ClientsModule],
      controllers: [RegistrationController],
      providers: [RegistrationService, RegistrationMetadata],
    };
  }
}
