import { Inject, type Type } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import type { JobDefinition } from '../job-definition.js';
import { JobRunnerService } from '../job-runner.service.js';
import { handlerDefinitionOf } from './job-handler.decorator.js';
import { pascalCase } from './trigger-body.js';

const JOB_TICK = Symbol('job:tick');
/** Set by `@Cron` on its method (`@nestjs/schedule` does not export the constant). */
const CRON_NAME = 'SCHEDULER_NAME';

export interface ScheduledJobBase {
  /** The job's `@Cron` tick: the scheduler places it on its slot and runs the job once per slot. */
  tick(): Promise<void>;
}

/**
 * The base class of the service that does a job's work: `class PriceCollector extends ScheduledJob(PRICES_JOB)`.
 * It carries the job's `@Cron` tick, built from the definition (its default expression, the job key as the
 * cron name, UTC, disabled until the scheduler applies `<PREFIX>_SCHEDULE` and `_ENABLED`), so a job's
 * schedule and the job its tick runs cannot drift apart. Start-up refuses a job without one (see assertTicks).
 */
export function ScheduledJob(definition: JobDefinition): abstract new () => ScheduledJobBase {
  abstract class Scheduled implements ScheduledJobBase {
    // A property, not a constructor parameter: the service's own constructor only calls `super()`.
    @Inject(JobRunnerService) private readonly jobRunner!: JobRunnerService;

    @Cron(definition.defaultSchedule, { name: definition.key, timeZone: 'UTC', disabled: true })
    tick(): Promise<void> {
      return this.jobRunner.tick(definition);
    }
  }
  Reflect.defineMetadata(JOB_TICK, definition, Scheduled.prototype.tick);
  Object.defineProperty(Scheduled, 'name', { value: `${pascalCase(definition.key)}Schedule` });
  return Scheduled;
}

/** One method of a provider: where it is (`PriceCollector.tick`), what it ticks or handles. */
export interface JobMethod {
  where: string;
  provider: string;
  /** The job this method is the ScheduledJob tick of. */
  tick?: JobDefinition;
  /** The name of a hand-written `@Cron` on this method. */
  cronName?: string;
  /** The job this method is the `@JobHandler` of. */
  handles?: JobDefinition;
}

export function tickOf(method: unknown): Pick<JobMethod, 'tick' | 'cronName'> {
  if (typeof method !== 'function') return {};
  const tick = Reflect.getMetadata(JOB_TICK, method) as JobDefinition | undefined;
  if (tick) return { tick };
  const cronName = Reflect.getMetadata(CRON_NAME, method) as unknown;
  return typeof cronName === 'string' ? { cronName } : {};
}

/** The methods of a provider class and its bases that tick or handle a job (for the check before Nest starts). */
export function jobMethodsOf(provider: Type): JobMethod[] {
  const methods: JobMethod[] = [];
  const seen = new Set<string>();
  for (let prototype = provider.prototype as object; prototype !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
      if (name === 'constructor' || seen.has(name) || typeof descriptor?.value !== 'function') continue;
      seen.add(name);
      const handles = handlerDefinitionOf(prototype, name);
      methods.push({
        where: `${provider.name}.${name}`,
        provider: provider.name,
        handles,
        ...tickOf(descriptor.value),
      });
    }
    prototype = Object.getPrototypeOf(prototype) as object;
  }
  return methods;
}

/**
 * Refuses, naming the job: a hand-written `@Cron` named after a job, a service whose tick runs another job
 * than the one it handles, and a job with two ticks. With `complete` (every provider of the app is in
 * `methods`), also a job without a tick and a tick of a job that is not registered.
 */
export function assertTicks(
  definitions: readonly JobDefinition[],
  methods: readonly JobMethod[],
  { complete }: { complete: boolean },
): void {
  const declared = new Set(definitions.map((definition) => definition.key));
  // A Set: one provider class reached from two modules is one tick.
  const ticks = new Map<string, Set<string>>();
  for (const method of methods) {
    if (method.cronName !== undefined && declared.has(method.cronName)) {
      throw new Error(
        `job ${method.cronName}: ${method.where} is a hand-written @Cron tick; ` +
          `extend ScheduledJob(<its definition>) in the job's service instead`,
      );
    }
    const tick = method.tick;
    if (!tick) continue;
    const handled = methods
      .filter((other) => other.provider === method.provider && other.handles)
      .map((other) => other.handles?.key);
    if (handled.length > 0 && !handled.includes(tick.key)) {
      throw new Error(
        `job ${tick.key}: ${method.where} is its tick, but ${method.provider} handles job ${handled.join(', ')} ` +
          `(extend ScheduledJob(<the definition it handles>))`,
      );
    }
    if (complete && !declared.has(tick.key)) {
      throw new Error(`${method.where} ticks job ${tick.key}, whose module is not registered`);
    }
    const found = (ticks.get(tick.key) ?? new Set()).add(method.where);
    if (found.size > 1) throw new Error(`job ${tick.key} has two @Cron ticks: ${[...found].join(' and ')}`);
    ticks.set(tick.key, found);
  }
  for (const definition of complete ? definitions : []) {
    if (!ticks.has(definition.key)) {
      throw new Error(
        `job ${definition.key} has no @Cron tick: its service must extend ScheduledJob(<its definition>)`,
      );
    }
  }
}
