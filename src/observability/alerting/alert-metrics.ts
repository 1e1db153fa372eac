import { Counter, type Registry } from 'prom-client';
import { ALERT_EVENTS } from './alert.types.js';
import type { AlertingService } from './alerting.service.js';

/** `cpb_alerts_sent_total{event}` and `cpb_alerts_failed_total{event}`: deliveries by this instance. */
export function registerAlertMetrics(registry: Registry, alerting: AlertingService): void {
  for (const [name, help, field] of [
    ['cpb_alerts_sent_total', 'Alerts delivered to ALERT_WEBHOOK_URL by this instance', 'sent'],
    ['cpb_alerts_failed_total', 'Alerts this instance gave up delivering after its attempts', 'failed'],
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ['event'] as const,
      registers: [registry],
      collect() {
        const counts = alerting.stats()[field];
        this.reset();
        for (const event of ALERT_EVENTS) this.inc({ event }, counts[event]);
      },
    });
  }
}
