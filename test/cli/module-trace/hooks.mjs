// Module hooks (run on Node's loader thread): each resolved specifier is appended, one a line,
// to the file FOXDEN_TEST_MODULE_TRACE names.
import { appendFileSync } from 'node:fs';

const out = process.env.FOXDEN_TEST_MODULE_TRACE;

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (out) appendFileSync(out, `${specifier}\t${resolved.url}\n`);
  return resolved;
}
