import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.js';

/** Fields an adapter may set on `res.locals` for the request log. */
export interface RequestLogLocals {
  user?: string;
  protocol?: string;
  collection?: string;
  logDetail?: string;
}

/** Logs every request once it finishes: method, path (no query), status, time, user. */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const locals = res.locals as RequestLogLocals;
      const status = res.statusCode;
      // originalUrl keeps the mount prefix that routers strip from req.path; the query is left out.
      const q = req.originalUrl.indexOf('?');
      const path = q < 0 ? req.originalUrl : req.originalUrl.slice(0, q);
      logger.log({
        level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
        kind: 'request',
        message: `${req.method} ${path} ${status}`,
        method: req.method,
        path,
        status,
        durationMs: Number((process.hrtime.bigint() - start) / 1000n) / 1000,
        ...(locals.user ? { user: locals.user } : {}),
        ...(locals.protocol ? { protocol: locals.protocol } : {}),
        ...(locals.collection ? { collection: locals.collection } : {}),
        ...(locals.logDetail ? { detail: locals.logDetail } : {}),
      });
    });
    next();
  };
}
