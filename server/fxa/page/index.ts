import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Request, type Response } from 'express';
import type { ServerContext } from '../../context.js';
import { buildClientConfiguration } from './client-configuration.js';
import { renderPage, type PageView } from './html.js';

/**
 * The bundled page script and stylesheet (`npm run build` → dist/fxa-page). This module runs
 * either compiled (dist/server/fxa/page) or as source under tsx (server/fxa/page).
 */
const ASSET_DIR = (() => {
  const threeUp = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return path.basename(threeUp) === 'dist'
    ? path.join(threeUp, 'fxa-page')
    : path.join(threeUp, 'dist', 'fxa-page');
})();

/** fxa-local.md §7: one origin, no inline code, nothing from elsewhere, never framed. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Firefox's "Manage account" and "Manage devices" (`remote.root` + `settings`, research
 * firefox-device-commands §4.1): the account page.
 */
const ACCOUNT_PATHS = ['/settings', '/settings/{*rest}'];

/** Other pages Firefox may open relative to `remote.root` (§3.1). */
const INFO_PATHS = ['/connect_another_device', '/pair', '/pair/{*rest}', '/post_verify/{*rest}', '/oauth'];

function pathPrefix(publicUrl: string): string {
  try {
    const pathname = new URL(publicUrl).pathname;
    return pathname.endsWith('/') ? pathname : `${pathname}/`;
  } catch {
    return '/';
  }
}

function sendPage(context: ServerContext, view: PageView, res: Response): void {
  res.set({
    'Content-Security-Policy': PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    // The page carries the current sign-up setting; a cached copy would show a stale one.
    'Cache-Control': 'no-store',
  });
  res.locals.protocol = 'fxa-page';
  if (!fs.existsSync(path.join(ASSET_DIR, 'signin.js'))) {
    res
      .status(503)
      .type('text/plain')
      .send(
        'The sign-in page has not been built: run `npm run build` in the Foxden checkout, then reload.\n',
      );
    return;
  }
  // Read at request time: the owner can change the public URL or close sign-ups while running.
  const { publicUrl, allowNewUsers } = context.live();
  res
    .status(200)
    .type('text/html')
    .send(
      renderPage({
        view,
        publicUrl,
        allowNewUsers,
        directory: context.config.directory !== null,
        assetBase: `${pathPrefix(publicUrl)}fxa-page/`,
      }),
    );
}

/** Discovery (§2) and the sign-in / sign-up page (§3) for Foxden's local accounts. */
export function mountFxaPage(app: Express, context: ServerContext): void {
  app.get('/.well-known/fxa-client-configuration', (_req: Request, res: Response) => {
    res.locals.protocol = 'fxa-page';
    res
      .status(200)
      .set('Cache-Control', 'no-cache')
      .type('application/json')
      .send(JSON.stringify(buildClientConfiguration(context.live().publicUrl)));
  });

  app.get(['/', '/signin', '/signup'], (_req: Request, res: Response) => sendPage(context, 'signin', res));
  app.get(ACCOUNT_PATHS, (_req: Request, res: Response) => sendPage(context, 'account', res));
  app.get(INFO_PATHS, (_req: Request, res: Response) => sendPage(context, 'info', res));

  app.use(
    '/fxa-page',
    express.static(ASSET_DIR, {
      index: false,
      fallthrough: true,
      setHeaders(res) {
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
}
