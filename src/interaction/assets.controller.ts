import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ASSETS_PATH } from './pages.js';
import { ApiAssetResponses, AssetParams } from './assets.openapi.js';
import { BRANDING, type Asset, type Branding } from './branding.js';

/**
 * The pages' stylesheet, favicon and logo. Each name carries its content's hash, so it may be
 * cached for a year and never revalidated (RFC 8246 `immutable`): new branding is a new URL.
 */
@ApiTags('pages')
@Controller(ASSETS_PATH)
export class AssetsController {
  private readonly assets: Map<string, Asset>;

  constructor(@Inject(BRANDING) branding: Branding) {
    const all = [branding.stylesheet, branding.favicon, branding.logo].filter(
      (a) => a !== undefined,
    );
    this.assets = new Map(all.map((a) => [a.name, a]));
  }

  @Get(':name')
  @ApiOperation({ summary: "The pages' stylesheet, favicon and logo, by content-hashed name" })
  @ApiAssetResponses()
  serve(@Param() { name }: AssetParams, @Res() reply: FastifyReply): void {
    const asset = this.assets.get(name);
    if (asset === undefined) throw new NotFoundException();
    void reply
      .headers({
        'content-type': asset.type,
        'cache-control': 'public, max-age=31536000, immutable',
        // An operator's SVG opened on its own runs nothing: no script, no origin (sandbox).
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        'cross-origin-resource-policy': 'same-origin',
      })
      .send(asset.body);
  }
}
