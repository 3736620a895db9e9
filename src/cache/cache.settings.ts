import { defineSettings, text, url } from '../config/settings.js';

/** Redis for short-lived state and change notices, or process memory when REDIS_URL is unset. */
export const cacheSettings = defineSettings({
  id: 'cache',
  title: 'Redis',
  settings: {
    // Secret: the URL may carry the password.
    REDIS_URL: url(['redis:', 'rediss:'], {
      secret: true,
      description:
        'Redis connection URL for short-lived state and change notices between instances. Unset: process memory, for development and one process only.',
      summary:
        'redis:// or rediss:// URL. Empty: in-process memory, development and one instance only. docker-compose sets it to its own redis service.',
    }),
    REDIS_KEY_PREFIX: text({
      default: 'op:',
      pattern: /^[A-Za-z0-9:_-]{0,32}$/,
      message: 'REDIS_KEY_PREFIX must be up to 32 of [A-Za-z0-9:_-]',
      description:
        'Prefix of every Redis key and pub/sub channel, so several deployments can share one Redis.',
      summary:
        'Prefix of every Redis key and channel, up to 32 of [A-Za-z0-9:_-], to share one Redis.',
      checks:
        'Up to 32 characters of `A-Z a-z 0-9 : _ -`. An empty value means the default, so there is no way to set no prefix.',
    }),
  },
  config: (v) => ({ redis: { url: v.REDIS_URL, keyPrefix: v.REDIS_KEY_PREFIX } }),
});
