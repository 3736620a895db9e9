import { Module } from '@nestjs/common';
import { ResourceServers } from './resource-servers.service.js';
import { ResourcesFileLoader } from './resources-file.js';

/** The resource servers the operator declares (RFC 8707): their table, file and catalog. */
@Module({
  providers: [ResourceServers, ResourcesFileLoader],
  exports: [ResourceServers],
})
export class ResourcesModule {}
