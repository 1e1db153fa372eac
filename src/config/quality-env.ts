import { z } from 'zod';
import type { AppConfig } from './app-config.js';
import { isUnset, show } from './env-vars.js';

/*
 * The settings of the price quality flags (docs/providers.md, "Quality flags"), kept beside env.schema.ts (which
 * merges them) so they read as one block.
 */

/** A decimal number above `above` (exclusive) and at most `max`: a factor of 2.5 or a freeze of 1.5 h is meaningful. */
function decimal(options: { above: number; max: number; default: number }) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return options.default;
      const text = raw.trim();
      const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
      if (!(value > options.above && value <= options.max)) {
        ctx.addIssue({
          code: 'custom',
          message: `${show(raw)} is not a number above ${options.above} and at most ${options.max}`,
        });
        return z.NEVER;
      }
      return value;
    });
}

export const qualityShape = {
  // A factor of 1 would flag every point that is not a local extreme; 1e6 stands for "practically never".
  PRICE_SPIKE_FACTOR: decimal({ above: 1, max: 1_000_000, default: 10 }),
  // Longer than the 365-day backfill window would never be reached.
  PRICE_FREEZE_HOURS: decimal({ above: 0, max: 8760, default: 2 }),
  // Two providers' prices of one coin differ by more than this percent (of the lower one): 0 would flag every
  // rounding difference; 1000 (one price eleven times the other) stands for "practically never".
  PRICE_DIVERGENCE_PERCENT: decimal({ above: 0, max: 1000, default: 3 }),
};

type QualityEnv = { [K in keyof typeof qualityShape]: z.output<(typeof qualityShape)[K]> };

export function toQualityConfig(env: QualityEnv): Pick<AppConfig, 'quality'> {
  return {
    quality: {
      spikeFactor: env.PRICE_SPIKE_FACTOR,
      freezeHours: env.PRICE_FREEZE_HOURS,
      divergencePercent: env.PRICE_DIVERGENCE_PERCENT,
    },
  };
}
