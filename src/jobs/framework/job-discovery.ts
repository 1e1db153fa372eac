import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config.js';
import type { JobContext, JobFunction } from '../job-context.js';
import {
  JOB_DEFINITIONS,
  JobDefinitionError,
  type JobDefinition,
  type JobParams,
} from '../job-definition.js';
import { JobRegistry } from '../job-registry.js';
import { handlerDefinitionOf, type JobHandlerContext } from './job-handler.decorator.js';
import { assertTicks, tickOf, type JobMethod } from './scheduled-job.js';

/**
 * Finds every `@JobHandler` method at start-up and registers it under its definition's key, with the
 * job's own parsed settings and its typed params added to each run's context. Start-up fails when a
 * registered definition has no handler, when two handlers claim one job, when a handler's job module is
 * not registered, or when a job's `@Cron` tick is missing or belongs to another job (see assertTicks).
 */
@Injectable()
export class JobDiscovery implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: JobRegistry,
    private readonly config: ConfigService<AppConfig, true>,
    @Optional() @Inject(JOB_DEFINITIONS) private readonly definitions: readonly JobDefinition[] = [],
  ) {}

  onModuleInit(): void {
    const handlers = new Map<string, { definition: JobDefinition; run: JobFunction; where: string }>();
    const methods: JobMethod[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      const provider = prototype.constructor.name;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const where = `${provider}.${method}`;
        const work = (instance as Record<string, (ctx: JobHandlerContext) => ReturnType<JobFunction>>)[
          method
        ];
        const definition = handlerDefinitionOf(prototype, method);
        methods.push({ where, provider, handles: definition, ...tickOf(work) });
        if (!definition) continue;
        const other = handlers.get(definition.key);
        if (other && other.where !== where) {
          throw new Error(`job ${definition.key} has two @JobHandler methods: ${other.where} and ${where}`);
        }
        handlers.set(definition.key, {
          definition,
          where,
          run: (ctx) => work.call(instance, this.handlerContext(definition, ctx)),
        });
      }
    }
    const declared = new Set(this.definitions.map((definition) => definition.key));
    for (const definition of this.definitions) {
      if (!handlers.has(definition.key)) {
        throw new Error(
          `job ${definition.key} has no handler: decorate the method that does its work with @JobHandler(<its definition>)`,
        );
      }
    }
    for (const { definition, where } of handlers.values()) {
      if (!declared.has(definition.key)) {
        throw new Error(
          `${where} handles job ${definition.key}, whose module is not registered (add it to JOB_MODULES with @JobModule)`,
        );
      }
    }
    assertTicks(this.definitions, methods, { complete: true });
    for (const definition of this.definitions) {
      const handler = handlers.get(definition.key);
      if (handler) this.registry.register(definition, handler.run);
    }
  }

  /** A view of the runner's context, not a copy: the runner reads `ctx.metrics` back after a failure. */
  private handlerContext(definition: JobDefinition, ctx: JobContext): JobHandlerContext {
    const settings = this.config.get('jobs', { infer: true }).byKey[definition.key]?.settings ?? {};
    return Object.create(ctx, {
      settings: { value: settings, enumerable: true },
      params: { value: paramsFor(definition, ctx.params), enumerable: true },
    }) as JobHandlerContext;
  }
}

/**
 * The params exactly as the job's handler is typed to see them (JobParamsOf): nothing for a job without a
 * limit, and never `null` where the definition does not accept "all".
 */
export function paramsFor(definition: JobDefinition, params: JobParams): JobParams | Record<never, never> {
  const limit = definition.limit;
  if (!limit) return {};
  if (params.limit === null && !limit.nullable) {
    throw new JobDefinitionError(definition.key, 'limit', 'null ("all") is not accepted by this job');
  }
  return { limit: params.limit };
}
