import { resolve } from 'node:path';
import { defineSettings, text } from '../config/settings.js';

/** Static clients, upserted at boot (static-clients.ts, docs/clients.md). */
export const clientsSettings = defineSettings({
  id: 'clients',
  title: 'Static clients',
  settings: {
    CLIENTS_FILE: text({
      description:
        "A YAML file of static clients in Authelia's shape, created or updated at every boot; an unchanged entry writes nothing. A bad entry stops start-up with a message naming it. See [clients](clients.md).",
      summary:
        "A YAML file of static clients in Authelia's shape, upserted at every boot (docs/clients.md). With docker-compose, mount it into the container and give the path inside it.",
      checks: 'A readable file (resolved against the working directory).',
    }),
  },
  config: (v) => ({
    clientsFile: v.CLIENTS_FILE === undefined ? undefined : resolve(v.CLIENTS_FILE),
  }),
});
