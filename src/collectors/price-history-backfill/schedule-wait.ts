import { CoinGeckoYieldError, withLowPriority } from '../../coingecko/limiter/call-priority.js';
import type { Clock } from '../../jobs/clock.js';
import type { BackfillCounts, Context } from './backfill-run.js';
import { YIELD_POLL_MS, type ScheduleYield, type YieldWait } from './schedule-yield.js';

/**
 * The most a run waits for other jobs' CoinGecko calls before it ends early (`deferred_for_schedule`): half
 * of its 10-minute schedule, so the next tick finds it done and resumes where it stopped.
 */
export const MAX_SCHEDULE_WAIT_MS = 5 * 60_000;

/** Thrown out of an asset when the run has waited MAX_SCHEDULE_WAIT_MS: the run stops, the asset stays pending. */
export class DeferredForSchedule extends Error {}

/**
 * Makes `call` at low priority once the schedule leaves room (ScheduleYield), waiting on the injected wait
 * (cancel-aware) until then; throws DeferredForSchedule once the run has waited MAX_SCHEDULE_WAIT_MS.
 */
export async function callWhenScheduleAllows<T>(
  deps: { yields: ScheduleYield; wait: YieldWait; clock: Clock },
  run: { ctx: Context; custom: BackfillCounts },
  call: () => Promise<T>,
): Promise<T> {
  for (;;) {
    run.ctx.signal.throwIfAborted();
    const decision = await deps.yields.decide();
    let waitMs: number;
    let reason: string;
    if (decision.go) {
      try {
        return await withLowPriority(decision.priority, call);
      } catch (error) {
        if (!(error instanceof CoinGeckoYieldError)) throw error;
      }
      // Refused by the limiter: another job's run started since the decision, or the window is full until past
      // the next slot's. The refusal does not say which, so look again soon rather than sleep to the slot.
      waitMs = YIELD_POLL_MS;
      reason = 'the limiter gave no CoinGecko slot within the terms';
    } else if (decision.stop) {
      throw new DeferredForSchedule(decision.reason);
    } else {
      ({ waitMs, reason } = decision);
    }
    const left = MAX_SCHEDULE_WAIT_MS - run.custom.waited_for_schedule_ms;
    if (left <= 0) throw new DeferredForSchedule(reason);
    const step = Math.min(waitMs, left);
    run.ctx.logger.debug({ waitMs: step, reason }, `Price history backfill waits ${step} ms: ${reason}`);
    const before = deps.clock.now().getTime();
    await deps.wait(step, run.ctx.signal);
    // What the clock says it took, and at least the step asked for: the bound holds even on a clock that stands still.
    run.custom.waited_for_schedule_ms += Math.max(step, deps.clock.now().getTime() - before);
  }
}
