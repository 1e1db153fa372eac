import { Injectable } from '@nestjs/common';
import type { JobDefinition } from './job-definition.js';
import type { JobFunction, JobHandler } from './job-context.js';
import { UnknownJobError } from './job-errors.js';

/**
 * The jobs this process can run by key — for triggers, catch-up, dependencies and the CLI. Each
 * collector registers its definition and work when its module initialises.
 */
@Injectable()
export class JobRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  register(definition: JobDefinition, run: JobFunction): void {
    if (this.handlers.has(definition.key)) throw new Error(`job ${definition.key} is registered twice`);
    this.handlers.set(definition.key, { definition, run });
  }

  get(key: string): JobHandler {
    const handler = this.handlers.get(key);
    if (!handler) throw new UnknownJobError(key);
    return handler;
  }

  has(key: string): boolean {
    return this.handlers.has(key);
  }

  /** Registered jobs, each after the jobs it depends on. */
  all(): JobHandler[] {
    const ordered: JobHandler[] = [];
    const visit = (handler: JobHandler, path: string[]): void => {
      if (ordered.includes(handler)) return;
      if (path.includes(handler.definition.key)) {
        throw new Error(`job dependency cycle: ${[...path, handler.definition.key].join(' → ')}`);
      }
      for (const dependency of handler.definition.dependsOn) {
        const required = this.handlers.get(dependency);
        if (required) visit(required, [...path, handler.definition.key]);
      }
      ordered.push(handler);
    };
    for (const handler of this.handlers.values()) visit(handler, []);
    return ordered;
  }
}
