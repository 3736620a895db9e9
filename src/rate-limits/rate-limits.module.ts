import { Module } from '@nestjs/common';
import { AddressRateLimitGuard, ClientRateLimitInterceptor, RateLimits } from './rate-limits.js';

/** RATE_LIMITS_* for the endpoints that import it (`@RateLimited`). */
@Module({
  providers: [RateLimits, AddressRateLimitGuard, ClientRateLimitInterceptor],
  exports: [RateLimits, AddressRateLimitGuard, ClientRateLimitInterceptor],
})
export class RateLimitsModule {}
