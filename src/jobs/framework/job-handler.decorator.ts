import type { JobContext } from '../job-context.js';
import type { JobDefinition, JobSettingsOf, JobSettingsSchema } from '../job-definition.js';
import type { JobMetrics } from '../job-result.js';

export const JOB_HANDLER = Symbol('job:handler');

/** What a job's handler method receives: the runner's context plus the job's own parsed settings. */
export type JobHandlerContext<S extends JobSettingsSchema = JobSettingsSchema> = JobContext & {
  readonly settings: JobSettingsOf<S>;
};

type HandlerMethod<S extends JobSettingsSchema> = (ctx: JobHandlerContext<S>) => Promise<JobMetrics | void>;

/**
 * Marks the method that does a job's work. The jobs framework finds it through Nest's discovery at
 * start-up and registers it under the definition's key, so no job registers itself by hand.
 */
export function JobHandler<S extends JobSettingsSchema>(definition: JobDefinition<S>) {
  return <M extends HandlerMethod<S>>(
    target: object,
    method: string | symbol,
    _descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    Reflect.defineMetadata(JOB_HANDLER, definition, target, method);
  };
}

export function handlerDefinitionOf(target: object, method: string): JobDefinition | undefined {
  return Reflect.getMetadata(JOB_HANDLER, target, method) as JobDefinition | undefined;
}
