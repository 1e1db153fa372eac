import { Global, Module } from '@nestjs/common';

/**
 * Present (true) when the app runs inside a command-line tool rather than as the service: start-up notes
 * meant for the service's operator (how callers authenticate, say) are not the CLI user's business.
 */
export const CLI_MODE = Symbol('CLI_MODE');

/** Imported beside the app module by a CLI; makes CLI_MODE visible to every module. */
@Global()
@Module({ providers: [{ provide: CLI_MODE, useValue: true }], exports: [CLI_MODE] })
export class CliModeModule {}
