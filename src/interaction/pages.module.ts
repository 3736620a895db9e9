import { Global, Module } from '@nestjs/common';
import { issuerPath } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AssetsController } from './assets.controller.js';
import { BRANDING, loadBranding, type Branding } from './branding.js';
import { ASSETS_PATH, Pages } from './pages.js';

/** The pages people see, branded by PAGES_*, and the assets they load. */
@Global()
@Module({
  controllers: [AssetsController],
  providers: [
    {
      provide: BRANDING,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => loadBranding(config.pages),
    },
    {
      provide: Pages,
      inject: [BRANDING, APP_CONFIG],
      useFactory: (branding: Branding, config: AppConfig) =>
        new Pages(branding, `${issuerPath(config)}/${ASSETS_PATH}`),
    },
  ],
  exports: [Pages],
})
export class PagesModule {}
