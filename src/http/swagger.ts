import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../database/project-root.js';

interface PackageInfo {
  name: string;
  version: string;
  description?: string;
}

export const BEARER_AUTH = 'bearer';

export function packageInfo(): PackageInfo {
  return JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as PackageInfo;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const info = packageInfo();
  const config = new DocumentBuilder()
    .setTitle(info.name)
    .setDescription(
      `${info.description ?? ''}\n\nAuthenticate with a bearer token: a static API token (\`API_TOKENS\`) or an OIDC access token.`,
    )
    .setVersion(info.version)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'API token or OIDC access token' },
      BEARER_AUTH,
    )
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`. */
export function setupSwagger(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
  return document;
}
