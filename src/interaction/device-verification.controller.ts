import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { deviceRequest } from '../authorization/authorization-request.js';
import { AuthorizationService } from '../authorization/authorization.service.js';
import { DEVICE_VERIFICATION_PATH } from '../authorization/device-authorization.controller.js';
import { DeviceAuthorizations } from '../authorization/device-authorizations.js';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { ClientsService } from '../clients/clients.service.js';
import { seeOther } from '../common/client-response.js';
import { sha256 } from '../common/digest.js';
import { isHandle, newHandle } from '../common/opaque-handle.js';
import { safeEqual } from '../common/safe-equal.js';
import { issuerPath } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { providerCookie, sessionCookieValues } from '../sessions/session-cookie.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ApiDeviceCodeForm, ApiDeviceCodePage } from './device-verification.openapi.js';
import { HtmlErrorFilter } from './html-error.filter.js';
import { pickLocale } from './i18n.js';
import { Interactions } from './interactions.js';
import { Pages, sendPage } from './pages.js';

/** The double-submit cookie of the code form (the page has no interaction yet to carry one). */
const FORM_COOKIE = 'op_device_form';
/** Wrong codes from one address before the form refuses more for a while (§5.1: brute force). */
const MAX_MISSES = 10;
const MISS_WINDOW_MS = 5 * 60_000;

/**
 * RFC 8628 §3.3: the verification page where a device's user types (or follows a link with)
 * the user code; a known code starts the same interaction a sign-in has (login, second factor,
 * consent, on the interaction pages), whose answer goes to the polling device.
 */
@ApiTags('openid')
@Controller(DEVICE_VERIFICATION_PATH)
@UseFilters(HtmlErrorFilter)
export class DeviceVerificationController {
  private readonly prefix: string;
  private readonly secure: boolean;

  constructor(
    @Inject(DeviceAuthorizations) private readonly devices: DeviceAuthorizations,
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(AuthorizationService) private readonly authorization: AuthorizationService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(Interactions) private readonly interactions: Interactions,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(Pages) private readonly pages: Pages,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.prefix = issuerPath(config);
    this.secure = new URL(config.issuer).protocol === 'https:';
  }

  @Get()
  @ApiOperation({ summary: 'RFC 8628 §3.3 verification page: where the user types the code' })
  @ApiDeviceCodePage()
  show(
    @Query('user_code') userCode: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.form(req, reply, { userCode: typeof userCode === 'string' ? userCode.slice(0, 20) : '' });
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'The code typed: on to the sign-in pages, or the page again' })
  @ApiDeviceCodeForm()
  async submit(
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const userCode = typeof body?.user_code === 'string' ? body.user_code.slice(0, 20) : '';
    const sent = sessionCookieValues(req.headers.cookie, FORM_COOKIE).find(isHandle);
    if (!sent || typeof body?.csrf !== 'string' || !safeEqual(sent, body.csrf))
      return this.form(req, reply, { userCode }, 400);
    const misses = `device-code-misses:${sha256(req.ip)}`;
    if (Number((await this.store.get(misses)) ?? 0) >= MAX_MISSES)
      return this.form(req, reply, { userCode, failed: 'limited' }, 429);
    const waiting = await this.devices.waiting(userCode);
    const client = waiting && (await this.clients.find(waiting.request.clientId));
    if (!waiting || !client) {
      await this.store.increment(misses, MISS_WINDOW_MS);
      return this.form(req, reply, { userCode, failed: 'unknown' }, 400);
    }
    const request = deviceRequest(client, waiting.request, waiting.digest);
    const session = await this.sessions.resolveFromHeader(req.headers.cookie);
    const decision = await this.authorization.decide(request, session, {
      freshLogin: false,
      consentGiven: false,
    });
    // §5.4: the user always confirms which client the code is for.
    const stage = decision.kind === 'login' ? 'login' : 'consent';
    const { interaction, setCookie } = await this.interactions.start(
      request,
      stage,
      req.headers.cookie,
    );
    if (setCookie) void reply.header('set-cookie', setCookie);
    seeOther(reply, this.interactions.pageUrl(interaction));
  }

  private form(
    req: FastifyRequest,
    reply: FastifyReply,
    page: { userCode: string; failed?: 'unknown' | 'limited' },
    status = 200,
  ) {
    const csrf = newHandle();
    void reply.header(
      'set-cookie',
      providerCookie(`${FORM_COOKIE}=${csrf}`, {
        path: `${this.prefix}${DEVICE_VERIFICATION_PATH}`,
        secure: this.secure,
      }),
    );
    const locale = pickLocale([], req.headers['accept-language']);
    sendPage(
      reply,
      this.pages.device(locale, {
        action: `${this.prefix}${DEVICE_VERIFICATION_PATH}`,
        csrf,
        ...page,
      }),
      status,
    );
  }
}
