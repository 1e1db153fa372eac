import { Module, type ModuleMetadata, type Provider, type Type } from '@nestjs/common';
import { assertDistinct, type JobDefinition } from '../job-definition.js';
import { JobsModule } from '../jobs.module.js';
import { assertTicks, jobMethodsOf } from './scheduled-job.js';
import { triggerControllerFor } from './trigger-controller.js';

const JOB_MODULE_DEFINITION = Symbol('job:module-definition');

/**
 * Declares a job's feature module: `@Module` plus the jobs framework (JobsModule, the generated trigger
 * route). Listing the module in the app module's JOB_MODULES registers the job everywhere else.
 */
export function JobModule(
  definition: JobDefinition,
  metadata: Pick<ModuleMetadata, 'imports' | 'providers' | 'exports'> = {},
): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(JOB_MODULE_DEFINITION, definition, target);
    Module({
      imports: [JobsModule, ...(metadata.imports ?? [])],
      providers: metadata.providers ?? [],
      exports: metadata.exports ?? [],
      controllers: [triggerControllerFor(definition)],
    })(target);
  };
}

/**
 * The definitions of these job modules, refused when two share a key, prefix or route, or when the modules'
 * own services tick another job than they handle (checked here, before `@nestjs/schedule` registers the
 * ticks and would only see two of one name; JobDiscovery checks the rest once Nest has built the app).
 */
export function definitionsOf(modules: readonly Type[]): JobDefinition[] {
  const definitions = modules.map((module) => {
    const definition = Reflect.getMetadata(JOB_MODULE_DEFINITION, module) as JobDefinition | undefined;
    if (!definition) throw new Error(`${module.name} is not a job module (declare it with @JobModule)`);
    return definition;
  });
  assertDistinct(definitions);
  const providers = modules.flatMap(
    (module) => (Reflect.getMetadata('providers', module) ?? []) as Provider[],
  );
  const classes = providers.flatMap((provider) =>
    typeof provider === 'function' ? [provider] : 'useClass' in provider ? [provider.useClass] : [],
  );
  assertTicks(definitions, [...new Set(classes)].flatMap(jobMethodsOf), { complete: false });
  return definitions;
}
