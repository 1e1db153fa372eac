import { Counter, type Registry } from 'prom-client';
import { PRICE_FLAG_KINDS } from './price-flag.entity.js';
import type { PriceFlagsWriteRepository } from './price-flags.write-repository.js';

/**
 * `cpb_price_flags_total{kind}`: flags newly recorded by this instance's price writes (a re-scan that finds a flag
 * already stored counts nothing). Every kind starts at 0, so a rate over it exists before the first anomaly.
 * Returns the unsubscribe.
 */
export function registerPriceFlagMetrics(registry: Registry, flags: PriceFlagsWriteRepository): () => void {
  const counter = new Counter({
    name: 'cpb_price_flags_total',
    help: 'Price quality flags (spike, freeze, divergence) newly recorded by this instance',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  for (const kind of PRICE_FLAG_KINDS) counter.inc({ kind }, 0);
  return flags.onRecorded((recorded) => {
    for (const flag of recorded.flags) counter.inc({ kind: flag.kind });
  });
}
