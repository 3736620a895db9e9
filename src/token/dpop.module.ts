import { Module } from '@nestjs/common';
import { DpopProofs } from './dpop.js';

/**
 * The one DPoP proof checker (RFC 9449), for the token endpoint and the resources (through
 * the token module) and for `/par` (the authorization module), which the token module imports.
 */
@Module({ providers: [DpopProofs], exports: [DpopProofs] })
export class DpopModule {}
