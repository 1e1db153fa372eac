import type { JobContext } from '../job-context.js';
import type { JobDefinition, JobSettingsOf, ParamsOf } from '../job-definition.js';
import type { JobMetrics } from '../job-result.js';

export const JOB_HANDLER = Symbol('job:handler');

/**
 * What a job's handler method receives: the runner's context with the params typed from the job's
 * definition (`{ limit: number }`, `{ limit: number | null }` or `{}`, see JobParamsOf) plus the job's own
 * parsed settings. Written `JobHandlerContext<typeof EXAMPLE_JOB>`.
 */
export type JobHandlerContext<D extends JobDefinition = JobDefinition> = Omit<JobContext, 'params'> & {
  readonly params: ParamsOf<D>;
  readonly settings: JobSettingsOf<D['settings']>;
};

type HandlerMethod<D extends JobDefinition> = (ctx: JobHandlerContext<D>) => Promise<JobMetrics | void>;

/**
 * Marks the method that does a job's work. The jobs framework finds it through Nest's discovery at
 * start-up and registers it under the definition's key, so no job registers itself by hand.
 */
export function JobHandler<D extends JobDefinition>(definition: D) {
  return <M extends HandlerMethod<D>>(
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
