import type { Express } from 'express';
import type { ServerContext } from '../context.js';

/** Mounts the Sync 1.5 tokenserver and Storage API 1.5. */
export function mountSync15(_app: Express, _context: ServerContext): void {}
