import client from 'prom-client';

/** One registry per app instance, so tests that build many apps do not collide. */
export function createMetrics(opts: { defaultMetrics: boolean }) {
  const registry = new client.Registry();
  if (opts.defaultMetrics) client.collectDefaultMetrics({ register: registry, prefix: 'siyu_' });
  const httpRequests = new client.Counter({
    name: 'siyu_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: 'siyu_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const jobs = new client.Counter({
    name: 'siyu_jobs_total',
    help: 'Jobs finished by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });
  const domain = new client.Counter({
    name: 'siyu_domain_events_total',
    help: 'Business events (orders created, paid, …)',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const auditAfterChange = new client.Counter({
    name: 'siyu_audit_after_change_total',
    help: 'Staff writes whose audit entry was written after the change (the route wrote outside a transaction)',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration, jobs, domain, auditAfterChange };
}

export type Metrics = ReturnType<typeof createMetrics>;
