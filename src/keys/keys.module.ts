import { Module, type DynamicModule } from '@nestjs/common';
import { PeriodicJobsModule } from '../common/periodic-jobs.module.js';
import { JwksController } from './jwks.controller.js';
import { KeyStore } from './key-store.js';
import { KeysMetadata } from './keys.metadata.js';
import { KEYS_OPTIONS, KeysService, type KeysOptions } from './keys.service.js';
import { SigningService } from './signing.service.js';

@Module({})
export class KeysModule {
  static forRoot(options: KeysOptions): DynamicModule {
    return {
      module: KeysModule,
      global: true,
      imports: [PeriodicJobsModule],
      controllers: options.serve ? [JwksController] : [],
      providers: [
        { provide: KEYS_OPTIONS, useValue: options },
        KeyStore,
        KeysService,
        SigningService,
        KeysMetadata,
      ],
      exports: [KeysService, SigningService],
    };
  }
}
