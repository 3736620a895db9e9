import type { AppConfig } from '../config/app-config.js';

/** The absolute URL of one of our endpoints: the issuer (with its path, if any) and the path. */
export function endpointUrl(config: Pick<AppConfig, 'issuer'>, path: string): string {
  return config.issuer.replace(/\/+$/, '') + path;
}

/** The issuer's path, under which every endpoint is served ('' for a bare origin). */
export function issuerPath(config: Pick<AppConfig, 'issuer'>): string {
  return new URL(config.issuer).pathname.replace(/\/+$/, '');
}
