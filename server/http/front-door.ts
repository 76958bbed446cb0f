import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The per-request steps every request goes through before any adapter, in this order. */
export interface FrontDoorSteps {
  /** Starts the request's log line (request-log.ts). */
  startLog: (req: Request, res: Response) => void;
  /** The forwarded-origin advice (forwarded-origin-watch.ts); never fails a request. */
  watchForwardedOrigin: (req: Request) => void;
  /** CORS (cors.ts), or null when it is off: true when it answered the request (a preflight). */
  cors: ((req: Request, res: Response) => boolean) | null;
  /**
   * The Sync 1.1 handler (sync11/index.ts), given every path Sync 1.5 cannot own (neither
   * under /1.5 nor under /1.0/, where the tokenserver's /1.0/sync/<version> lives): it answers
   * its own and passes anything else on with next().
   */
  sync11: (req: Request, res: Response, next: NextFunction) => void;
}

/**
 * One Express layer for what used to be four (request log, forwarded-origin watch, CORS, and
 * for Sync 1.1's /1.1/, /1/, /user/ and /misc/ paths the Sync 1.5 layer it walked through
 * before reaching its own): each layer costs the router a match, a params pass and a
 * closure per request, on the path of every sync request. The steps and their order are
 * those of the separate layers; Sync 1.1's /1.0/<user>/ paths still go after Sync 1.5.
 */
export function frontDoor(steps: FrontDoorSteps): RequestHandler {
  const { startLog, watchForwardedOrigin, cors, sync11 } = steps;
  return (req: Request, res: Response, next: NextFunction) => {
    startLog(req, res);
    watchForwardedOrigin(req);
    if (cors !== null && cors(req, res)) return;
    const path = req.path;
    if (path.startsWith('/1.5') || path.startsWith('/1.0/')) return next();
    sync11(req, res, next);
  };
}

/** Sync 1.1's /1.0/<user>/ paths, after the Sync 1.5 layer (whose tokenserver shares /1.0/). */
export function afterSync15(sync11: FrontDoorSteps['sync11']): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/1.0/')) return sync11(req, res, next);
    next();
  };
}
