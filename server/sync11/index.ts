import type { Express } from 'express';
import type { ServerContext } from '../context.js';

/** Mounts the Sync 1.1 User API and Storage API. */
export function mountSync11(_app: Express, _context: ServerContext): void {}
