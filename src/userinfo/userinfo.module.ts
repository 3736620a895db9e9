import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { TokenModule } from '../token/token.module.js';
import { UsersModule } from '../users/users.module.js';
import { UserinfoController } from './userinfo.controller.js';
import { UserinfoMetadata } from './userinfo.metadata.js';
import { UserinfoService } from './userinfo.service.js';

/** `/userinfo` (OpenID Connect Core §5.3). */
@Module({
  imports: [ClientsModule, TokenModule, UsersModule],
  controllers: [UserinfoController],
  providers: [UserinfoService, UserinfoMetadata],
})
export class UserinfoModule {}
