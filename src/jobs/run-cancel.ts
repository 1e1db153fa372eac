import { ConflictException, NotFoundException } from '@nestjs/common';
import type { CancelAcceptedDto } from './dto/cancel-run.dto.js';
import type { CancelOutcome } from './runner/run-options.js';

/** The HTTP answer to a cancel request: 202 with the recorded request, 404 for an unknown run, 409 otherwise. */
export function answerCancel(id: string, outcome: CancelOutcome): CancelAcceptedDto {
  if (outcome.kind === 'not_found') throw new NotFoundException(`run ${id} not found`);
  const { run } = outcome;
  if (outcome.kind === 'not_cancellable' || (run.status !== 'running' && run.status !== 'queued')) {
    throw new ConflictException({
      message: `run ${id} is ${run.status}: only a running or queued run can be cancelled`,
      run_id: id,
      status: run.status,
    });
  }
  if (!run.cancelRequestedAt) throw new Error(`run ${id}: the cancel request was recorded without its time`);
  return { run_id: run.id, status: run.status, cancel_requested_at: run.cancelRequestedAt.toISOString() };
}
