import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Public } from '../auth/public.decorator.js';

/**
 * Beside this file: `src/dashboard/assets/` when running from source (tests, SWC) and
 * `dist/src/dashboard/assets/` when compiled (nest-cli.json's `compilerOptions.assets` copies the folder,
 * because tsc copies nothing but what it compiles).
 */
export const DASHBOARD_ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');

/** What may be served, by file type: the page, its stylesheet and its ES modules (nosniff needs the type). */
const CONTENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
]);
const ASSET_NAME = /^[a-z][a-z0-9-]*(\.html|\.js|\.css)$/;
/** The files the page loads by name: a build that lost one fails at start-up, not on first visit. */
const ENTRY_FILES = ['index.html', 'dashboard.js', 'dashboard.css'];
/** A module's static imports (`from './jobs.js'`): each must be one of the served files. */
const RELATIVE_IMPORT = /\bfrom\s+'\.\/([^']+)'/g;

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/**
 * Every page, stylesheet and module of the folder, read once into memory. The allow-list is what was read
 * here rather than a static-file middleware: a request never turns into a file-system path, so `../` in any
 * encoding cannot reach anything else.
 */
export function loadDashboardAssets(dir: string = DASHBOARD_ASSETS_DIR): Map<string, Asset> {
  const missing = (what: string, cause?: unknown) =>
    new Error(
      `Dashboard asset ${what} cannot be read from ${dir}; a build must copy src/dashboard/assets ` +
        '(compilerOptions.assets in nest-cli.json)',
      { cause },
    );
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => ASSET_NAME.test(name));
  } catch (error) {
    throw missing(ENTRY_FILES.join(', '), error);
  }
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(name, { body, contentType: CONTENT_TYPES.get(extname(name))!, etag });
  }
  const imported = [...assets]
    .filter(([name]) => name.endsWith('.js'))
    .flatMap(([, asset]) =>
      [...asset.body.toString('utf8').matchAll(RELATIVE_IMPORT)].map((match) => match[1]),
    );
  const absent = [...new Set([...ENTRY_FILES, ...imported])].filter((name) => !assets.has(name));
  if (absent.length > 0) throw missing(absent.join(', '));
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
  /** Read once at start-up (a few small files): a build that lost one fails at once, not on first visit. */
  private readonly assets = loadDashboardAssets();

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
