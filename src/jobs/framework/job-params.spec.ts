import { describe, expect, expectTypeOf, it } from 'vitest';
import { type CONTRACT_ADDRESSES_JOB } from '../../collectors/contract-addresses/contract-addresses.job.js';
import { type PRICE_GAP_REPAIR_JOB } from '../../collectors/price-gap-repair/price-gap-repair.job.js';
import { type PRICES_JOB } from '../../collectors/prices/prices.job.js';
import { type TOP_COINS_JOB } from '../../collectors/top-coins/top-coins.job.js';
import { type JOB_RUNS_RETENTION_JOB } from '../../maintenance/job-runs-retention/job-runs-retention.job.js';
import { defineJob, type JobDefinition, type ParamsOf } from '../job-definition.js';
import { paramsFor } from './job-discovery.js';
import type { JobHandlerContext } from './job-handler.decorator.js';

const base = {
  description: 'params test',
  schedule: '0 0 5 * * *',
  trigger: { path: 'params-test', summary: 'Params' },
};
const LIMITED = defineJob({
  ...base,
  key: 'limited_test',
  envPrefix: 'LIMITED_TEST',
  limit: { default: 5, min: 1, max: 9, nullable: false },
});
const NULLABLE = defineJob({
  ...base,
  key: 'nullable_test',
  envPrefix: 'NULLABLE_TEST',
  limit: { default: null, min: 1, max: 9, nullable: true },
});
const UNLIMITED = defineJob({ ...base, key: 'unlimited_test', envPrefix: 'UNLIMITED_TEST' });

/*
 * Checked by `tsc` (npm run lint), which compiles the specs: a handler's params are typed from its
 * definition, so `ctx.params.limit ?? 100` has nothing to fall back from, and a job without a limit has
 * no `limit` to read.
 */
describe('a handler sees exactly the params its definition accepts', () => {
  it('types them from the limit: number, number or null, or nothing', () => {
    expectTypeOf<ParamsOf<typeof LIMITED>>().toEqualTypeOf<{ readonly limit: number }>();
    expectTypeOf<ParamsOf<typeof NULLABLE>>().toEqualTypeOf<{ readonly limit: number | null }>();
    expectTypeOf<ParamsOf<typeof UNLIMITED>>().toEqualTypeOf<Record<never, never>>();
    expectTypeOf<JobHandlerContext<typeof LIMITED>['params']['limit']>().toEqualTypeOf<number>();

    expectTypeOf<ParamsOf<typeof TOP_COINS_JOB>>().toEqualTypeOf<{ readonly limit: number }>();
    expectTypeOf<ParamsOf<typeof PRICES_JOB>>().toEqualTypeOf<{ readonly limit: number }>();
    expectTypeOf<ParamsOf<typeof PRICE_GAP_REPAIR_JOB>>().toEqualTypeOf<{ readonly limit: number }>();
    expectTypeOf<ParamsOf<typeof CONTRACT_ADDRESSES_JOB>>().toEqualTypeOf<{
      readonly limit: number | null;
    }>();
    expectTypeOf<ParamsOf<typeof JOB_RUNS_RETENTION_JOB>>().toEqualTypeOf<Record<never, never>>();
  });

  it('refuses what the definition does not accept', () => {
    const read = (ctx: JobHandlerContext<typeof UNLIMITED>): unknown =>
      // @ts-expect-error a job without a limit has no `limit` param
      ctx.params.limit;
    // @ts-expect-error null ("all") only where the limit is nullable
    const all: ParamsOf<typeof LIMITED> = { limit: null };
    const nullable: ParamsOf<typeof NULLABLE> = { limit: null };
    expect([typeof read, all, nullable]).toHaveLength(3);
    // The definition's own callbacks see the same types.
    defineJob({
      ...base,
      key: 'callbacks_test',
      envPrefix: 'CALLBACKS_TEST',
      limit: { default: 5, min: 1, max: 9, nullable: false },
      estimateCalls: ({ limit }) => {
        expectTypeOf(limit).toEqualTypeOf<number>();
        return limit;
      },
    });
    // Framework code that handles any job still sees the runner's `{ limit: number | null }`.
    expectTypeOf<ParamsOf<JobDefinition>>().toEqualTypeOf<{ limit: number | null }>();
  });
});

describe('paramsFor: the handler gets its typed params at run time too', () => {
  it('passes the resolved limit through, drops it for a job without one', () => {
    expect(paramsFor(LIMITED, { limit: 7 })).toEqual({ limit: 7 });
    expect(paramsFor(NULLABLE, { limit: null })).toEqual({ limit: null });
    expect(paramsFor(UNLIMITED, { limit: null })).toEqual({});
  });

  it('refuses null for a job whose limit is not nullable, naming the job', () => {
    expect(() => paramsFor(LIMITED, { limit: null })).toThrow(
      'job limited_test: limit null ("all") is not accepted by this job',
    );
  });
});
