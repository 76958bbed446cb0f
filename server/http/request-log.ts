import type { Request, Response } from 'express';
import type { ServerEvents } from '../context.js';
import type { LogEvent, Logger } from '../log.js';
import { clientAddress } from './client-address.js';

/** Fields an adapter may set on `res.locals` for the request log. */
export interface RequestLogLocals {
  user?: string;
  protocol?: string;
  collection?: string;
  logDetail?: string;
  /** The client's address, worked out once per request (adapters throttle by it). */
  address?: string;
}

/** The client address the request log worked out, or (outside it) worked out now. */
export function requestAddress(req: Request, res: Response): string {
  return (res.locals as RequestLogLocals).address ?? clientAddress(req);
}

/** When the request log first saw the request (performance.now()), kept on the response. */
const STARTED = Symbol('requestLogStarted');
type Timed = Response & { [STARTED]?: number };

/**
 * Starts the log of one request (front-door.ts calls it first for every request), which is
 * written once it finishes (client address, method, path without query, status,
 * time, user) and emits it as the server's typed 'requestFinished' event. On the path of
 * every request, so it allocates no closure per request (one 'finish' handler, reading the
 * response it is called on) and builds the event in one object.
 */
export function requestLog(logger: Logger, events: ServerEvents) {
  // Called as the response's own 'finish' listener: `this` is the response.
  function finished(this: Timed): void {
    const req = this.req;
    const locals = this.locals as RequestLogLocals;
    const status = this.statusCode;
    // originalUrl keeps the mount prefix that routers strip from req.path; the query is left out.
    const url = req.originalUrl;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    // seq and time first, as log() orders them: the JSON lines keep their key order.
    const event: LogEvent = {
      seq: 0,
      time: 0,
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      kind: 'request',
      message: `${req.method} ${path} ${status}`,
      method: req.method,
      path,
      address: locals.address as string,
      status,
      // Whole microseconds, in milliseconds.
      durationMs: Math.floor((performance.now() - (this[STARTED] as number)) * 1000) / 1000,
    };
    if (locals.user) event.user = locals.user;
    if (locals.protocol) event.protocol = locals.protocol;
    if (locals.collection) event.collection = locals.collection;
    if (locals.logDetail) event.detail = locals.logDetail;
    // One emit, of the object the log built: counters read this, not the log.
    events.emit('requestFinished', logger.record(event));
  }
  return (req: Request, res: Response): void => {
    (res as Timed)[STARTED] = performance.now();
    (res.locals as RequestLogLocals).address = clientAddress(req);
    res.on('finish', finished);
  };
}
