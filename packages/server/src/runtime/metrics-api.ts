/**
 * The `Metrics` namespace: the server's Effect `Metric`s (`metrics.ts`), their Prometheus text
 * exposition (`prometheus.ts`), and an endpoint serving it (`metrics-server.ts`).
 */
export { metrics } from "./metrics.js"
export { contentType, prometheus, render, type RenderOptions } from "./prometheus.js"
export { type MetricsServer, serve, type ServeOptions } from "./metrics-server.js"
