/** The parser has no types of its own: it returns metric families as Prometheus' JSON does. */
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
