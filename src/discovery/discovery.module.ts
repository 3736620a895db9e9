import { Module } from '@nestjs/common';
import { DiscoveryModule as NestDiscoveryModule } from '@nestjs/core';
import { DiscoveryController } from './discovery.controller.js';
import { ProviderMetadataService } from './discovery.service.js';
import { CoreMetadata } from './core.metadata.js';

@Module({
  imports: [NestDiscoveryModule],
  controllers: [DiscoveryController],
  providers: [ProviderMetadataService, CoreMetadata],
  exports: [ProviderMetadataService],
})
export class DiscoveryModule {}
