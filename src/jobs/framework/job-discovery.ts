import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config.js';
import type { JobContext, JobFunction } from '../job-context.js';
import { JOB_DEFINITIONS, type JobDefinition } from '../job-definition.js';
import { JobRegistry } from '../job-registry.js';
import { handlerDefinitionOf, type JobHandlerContext } from './job-handler.decorator.js';

/**
 * Finds every `@JobHandler` method at start-up and registers it under its definition's key, with the
 * job's own parsed settings added to each run's context. Start-up fails when a registered definition
 * has no handler, when two handlers claim one job, or when a handler's job module is not registered.
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
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const definition = handlerDefinitionOf(prototype, method);
        if (!definition) continue;
        const where = `${prototype.constructor.name}.${method}`;
        const other = handlers.get(definition.key);
        if (other && other.where !== where) {
          throw new Error(`job ${definition.key} has two @JobHandler methods: ${other.where} and ${where}`);
        }
        const work = (instance as Record<string, (ctx: JobHandlerContext) => ReturnType<JobFunction>>)[
          method
        ];
        handlers.set(definition.key, {
          definition,
          where,
          run: (ctx) => work.call(instance, this.withSettings(definition, ctx)),
        });
      }
    }
    const declared = new Set(this.definitions.map((definition) => definition.key));
    for (const definition of this.definitions) {
      const handler = handlers.get(definition.key);
      if (!handler) {
        throw new Error(
          `job ${definition.key} has no handler: decorate the method that does its work with @JobHandler(<its definition>)`,
        );
      }
      this.registry.register(definition, handler.run);
    }
    for (const { definition, where } of handlers.values()) {
      if (!declared.has(definition.key)) {
        throw new Error(
          `${where} handles job ${definition.key}, whose module is not registered (add it to JOB_MODULES with @JobModule)`,
        );
      }
    }
  }

  private withSettings(definition: JobDefinition, ctx: JobContext): JobHandlerContext {
    const settings = this.config.get('jobs', { infer: true }).byKey[definition.key]?.settings ?? {};
    // A view of the runner's context, not a copy: the runner reads `ctx.metrics` back after a failure.
    return Object.create(ctx, { settings: { value: settings, enumerable: true } }) as JobHandlerContext;
  }
}
