import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Public } from '../auth/public.decorator.js';

/**
 * Beside this file: `src/dashboard/assets/` when running from source (tests, SWC) and
 * `dist/src/dashboard/assets/` when compiled (nest-cli.json's `compilerOptions.assets` copies the folder,
 * because tsc copies nothing but what it compiles).
 */
export const DASHBOARD_ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');

/**
 * The only files served, with their content types. A fixed allow-list rather than a static-file middleware:
 * a request never turns into a file-system path, so `../` in any encoding cannot reach anything else.
 */
const CONTENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['dashboard.js', 'text/javascript; charset=utf-8'],
  ['dashboard.css', 'text/css; charset=utf-8'],
]);

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, contentType] of CONTENT_TYPES) {
    let body: Buffer;
    try {
      body = readFileSync(join(dir, name));
    } catch (error) {
      throw new Error(
        `Dashboard asset ${name} cannot be read from ${dir}; a build must copy src/dashboard/assets ` +
          '(compilerOptions.assets in nest-cli.json)',
        { cause: error },
      );
    }
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(name, { body, contentType, etag });
  }
  return assets;
}

/**
 * The monitoring page: static HTML, JS and CSS, public. The data it shows comes from `/api/v1`, read by
 * the page's script with the bearer token the operator enters, so nothing here is sensitive. Kept out of
 * the OpenAPI document: it is a page for people, not an API (and every documented route needs a token).
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class DashboardController {
  /** Read once at start-up (three small files): a build that lost them fails at once, not on first visit. */
  private readonly assets = loadAssets(DASHBOARD_ASSETS_DIR);

  @Get()
  page(@Res() response: Response): void {
    this.send(this.find('index.html'), response);
  }

  @Get(':asset')
  asset(@Param('asset') name: string, @Res() response: Response): void {
    this.send(this.find(name), response);
  }

  private find(name: string): Asset {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException('No such dashboard asset');
    return asset;
  }

  private send(asset: Asset, response: Response): void {
    // The file names carry no version, so every load revalidates: a deploy never pairs a new page with a
    // cached old script, and an unchanged file costs one 304 (Express answers it from the ETag).
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('ETag', asset.etag);
    response.setHeader('Content-Type', asset.contentType);
    response.send(asset.body);
  }
}
