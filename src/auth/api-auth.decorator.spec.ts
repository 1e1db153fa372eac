import { Controller, Get, Post, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type OperationObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiAuth } from './api-auth.decorator.js';
import { Public } from './public.decorator.js';
import { RequireAdmin } from './require-admin.decorator.js';
import { TriggerThrottle } from './trigger-throttle.decorator.js';

@ApiAuth()
@Controller('detected')
class DetectedController {
  @Public()
  @Get('open')
  open(): void {}

  @Get('read')
  read(): void {}

  @Post('admin')
  @RequireAdmin()
  admin(): void {}

  @Post('trigger')
  @RequireAdmin()
  @TriggerThrottle()
  trigger(): void {}
}

@Controller('explicit')
class ExplicitController {
  @Get('read')
  @ApiAuth()
  read(): void {}

  @ApiAuth({ admin: true, throttled: true })
  @Post('trigger')
  trigger(): void {}
}

@ApiAuth()
@Controller('both')
class BothController {
  @ApiAuth({ admin: true })
  @Post('admin')
  admin(): void {}
}

describe('ApiAuth', () => {
  let app: INestApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [DetectedController, ExplicitController, BothController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    document = SwaggerModule.createDocument(app, new DocumentBuilder().addBearerAuth().build());
  });

  afterAll(async () => {
    await app?.close();
  });

  const operation = (path: string, method: 'get' | 'post'): OperationObject => {
    const found = document.paths[path]?.[method];
    if (!found) throw new Error(`no ${method} ${path} in the document`);
    return found;
  };
  // Swagger drops its default 2xx once any response is declared; the lead's routes declare their own.
  // The JWKS-down 503 is not the decorator's: the document's completion adds it (src/http/openapi).
  const statuses = (op: OperationObject): string[] =>
    Object.keys(op.responses)
      .filter((s) => !s.startsWith('2'))
      .sort();

  it('on a class, documents each protected handler and detects admin and throttled routes', () => {
    expect(operation('/detected/open', 'get').security).toBeUndefined();
    expect(statuses(operation('/detected/open', 'get'))).toEqual([]);
    expect(operation('/detected/read', 'get').security).toEqual([{ bearer: [] }]);
    expect(statuses(operation('/detected/read', 'get'))).toEqual(['401']);
    expect(statuses(operation('/detected/admin', 'post'))).toEqual(['401', '403']);
    expect(statuses(operation('/detected/trigger', 'post'))).toEqual(['401', '403', '429']);
  });

  it('on a handler, documents what its options say', () => {
    expect(statuses(operation('/explicit/read', 'get'))).toEqual(['401']);
    expect(statuses(operation('/explicit/trigger', 'post'))).toEqual(['401', '403', '429']);
  });

  it('on both, documents a handler once (no duplicate security requirement)', () => {
    const admin = operation('/both/admin', 'post');
    expect(admin.security).toEqual([{ bearer: [] }]);
    expect(statuses(admin)).toEqual(['401', '403']);
  });

  it('shows the error body shape with examples', () => {
    const unauthorized = operation('/detected/read', 'get').responses['401'] as {
      content: Record<string, { examples: Record<string, { value: unknown }> }>;
      headers: Record<string, unknown>;
    };
    expect(unauthorized.headers).toHaveProperty('WWW-Authenticate');
    expect(unauthorized.content['application/json'].examples.Expired_JWT.value).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Token expired',
    });
    expect(operation('/detected/trigger', 'post').responses['429']).toHaveProperty('headers.Retry-After');
  });
});
