import { defineSettings, integer, text } from '../config/settings.js';

/** Prometheus metrics, on their own listener: never on the public port. */
export const metricsSettings = defineSettings({
  id: 'metrics',
  title: 'Metrics',
  settings: {
    METRICS_PORT: integer({
      min: 1,
      max: 65535,
      description:
        'TCP port of a separate listener that serves Prometheus metrics at `/metrics` (text format 0.0.4) and nothing else. Unset: no metrics listener. Keep it off the public network: the metrics name clients.',
      summary: 'Port of the separate /metrics listener for Prometheus; empty: off.',
      shownDefault: 'unset (off)',
    }),
    METRICS_HOST: text({
      default: '127.0.0.1',
      description:
        'Interface the metrics listener binds. docker-compose uses `0.0.0.0` inside its network without publishing the port.',
      summary: 'Interface of the metrics listener.',
    }),
  },
  config: (v) => ({
    metrics: { port: v.METRICS_PORT, host: v.METRICS_HOST },
  }),
});
