import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

/** One problem of a refused request: the property path (`limit`, `items.0.x`) and the validator's message. */
export interface ValidationDetail {
  field: string;
  reason: string;
}

/** The problems in the order Nest lists their messages (a property before its children). */
export function validationDetails(errors: readonly ValidationError[], parentPath = ''): ValidationDetail[] {
  const details: ValidationDetail[] = [];
  for (const error of errors) {
    const field = parentPath ? `${parentPath}.${error.property}` : error.property;
    for (const reason of Object.values(error.constraints ?? {})) details.push({ field, reason });
    if (error.children?.length) details.push(...validationDetails(error.children, field));
  }
  return details;
}

/**
 * Nest's ValidationPipe whose 400 also carries `details: [{field, reason}]`. The message list is Nest's own,
 * unchanged (callers match on it); the details come from the same errors, within the same length budget.
 */
export class ApiValidationPipe extends ValidationPipe {
  override createExceptionFactory(): (validationErrors?: ValidationError[]) => unknown {
    const nestFactory = super.createExceptionFactory();
    return (validationErrors: ValidationError[] = []) => {
      const exception = nestFactory(validationErrors);
      if (this.isDetailedOutputDisabled || this.errorFormat !== 'list') return exception;
      if (!(exception instanceof BadRequestException)) return exception;
      const budget = { remaining: this.maxErrorMessagesLength, isExceeded: false };
      const details = validationDetails(this.limitValidationErrors(validationErrors, budget));
      const body = exception.getResponse() as Record<string, unknown>;
      return new BadRequestException({ ...body, details }, { cause: exception });
    };
  }
}
