import { Module } from '@nestjs/common';
import { AddressRateLimitGuard, ClientRateLimitGuard, RateLimits } from './rate-limits.js';

/** RATE_LIMITS_* for the endpoints that import it (`@RateLimited`). */
@Module({
  providers: [RateLimits, AddressRateLimitGuard, ClientRateLimitGuard],
  exports: [RateLimits, AddressRateLimitGuard, ClientRateLimitGuard],
})
export class RateLimitsModule {}
