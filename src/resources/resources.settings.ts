import { resolve } from 'node:path';
import { defineSettings, text } from '../config/settings.js';

/** Resource servers declared in a file, made the stored ones at boot (resources-file.ts). */
export const resourcesSettings = defineSettings({
  id: 'resources',
  title: 'Resource servers',
  settings: {
    RESOURCES_FILE: text({
      description:
        "A YAML file of the APIs this provider issues access tokens for (RFC 8707): `resources:` → a list of `identifier` (the absolute URI clients send as `resource`, the tokens' `aud`), `scopes` (granted only in a token for it), `clients` (`any`, dynamically registered clients included, or a list of client ids), and optionally `access_token_lifespan` (1m to 24h) and `access_token_signed_response_alg` (one of SIGNING_ALGS). Applied at every boot: entries are created or updated, and those an earlier file declared but this one no longer does are deleted; a bad entry stops start-up naming it. Resources can also be declared through the admin API (`/admin/resources`). See [microservices](integration-microservices.md#8-resource-servers-rfc-8707).",
      summary:
        'A YAML file of resource servers (resources: identifier, scopes, clients, optional access_token_lifespan and access_token_signed_response_alg), applied at every boot (docs/integration-microservices.md).',
      checks:
        'A readable file (resolved against the working directory); a bad entry stops start-up naming it.',
    }),
  },
  config: (v) => ({
    resourcesFile: v.RESOURCES_FILE === undefined ? undefined : resolve(v.RESOURCES_FILE),
  }),
});
