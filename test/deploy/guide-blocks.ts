import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../cli/cli-process.js';

/** The deploy guide whose code blocks the proxy test runs. */
export const GUIDE = path.join(ROOT, 'docs', 'deploy.md');

/**
 * The fenced code block right after `<!-- tested: NAME -->` in docs/deploy.md, as printed.
 * Throws when the marker is missing, repeated or not followed by a code block, so a guide
 * edit that drops a tested block fails the test instead of skipping it.
 */
export function guideBlock(name: string, text = fs.readFileSync(GUIDE, 'utf8')): string {
  const marker = `<!-- tested: ${name} -->`;
  const first = text.indexOf(marker);
  if (first < 0) throw new Error(`docs/deploy.md has no ${marker}`);
  if (text.indexOf(marker, first + marker.length) >= 0) throw new Error(`docs/deploy.md repeats ${marker}`);
  const after = text.slice(first + marker.length);
  const m = /^\s*\n(`{3,})[^\n]*\n([\s\S]*?)\n\1[ \t]*(?:\n|$)/.exec(after);
  if (!m) throw new Error(`${marker} in docs/deploy.md is not followed by a fenced code block`);
  return m[2]! + '\n';
}

/** Every `old → new` replacement must match at least once: a renamed placeholder fails loudly. */
export function replaceAll(block: string, replacements: [RegExp | string, string][]): string {
  let out = block;
  for (const [from, to] of replacements) {
    const pattern = typeof from === 'string' ? new RegExp(escapeRegExp(from), 'g') : from;
    if (!pattern.global) throw new Error(`replacement ${String(from)} must be global`);
    if (!out.match(pattern))
      throw new Error(`placeholder ${String(from)} not found in the guide block:\n${block}`);
    out = out.replace(pattern, () => to);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The arguments after `foxden serve` in a shell block (backslash continuations joined). The
 * guide's serve command has no quoting, so splitting on blanks is exact; anything a shell would
 * treat specially is refused rather than guessed at.
 */
export function serveArgs(block: string): string[] {
  const line = block.replace(/\\\n/g, ' ').trim();
  if (/["'`$;&|<>]/.test(line)) throw new Error(`the serve command needs a shell to read:\n${line}`);
  const words = line.split(/\s+/);
  const at = words.findIndex((w, i) => w === 'serve' && /(^|\/)foxden(\.js)?$/.test(words[i - 1] ?? ''));
  if (at < 0) throw new Error(`no "foxden serve" in:\n${block}`);
  return words.slice(at + 1);
}

/** Replaces the value of `--flag VALUE` (which must be present) in an argument list. */
export function withFlag(args: string[], flag: string, value: string): string[] {
  const at = args.indexOf(flag);
  if (at < 0 || at + 1 >= args.length) throw new Error(`the guide's serve command has no ${flag} VALUE`);
  return [...args.slice(0, at + 1), value, ...args.slice(at + 2)];
}

/**
 * Ports a guide block binds in production (80, 443) that the test must never bind: the tests
 * run as root in CI, where a leftover `listen 80` would take the machine's real port. Each
 * proxy's site function calls this on its result, so a guide edit that adds a listener the test
 * does not rewrite fails here instead of binding it.
 */
const PRIVILEGED = [
  // nginx `listen 80;`, `listen [::]:443 ssl`, Apache `Listen 80`, `Listen 0.0.0.0:443`
  /^[ \t]*listen[ \t]+(?:\S*:)?(?:80|443)\b/gim,
  // Apache `<VirtualHost *:80>`, lighttpd `":443"`, Caddy `:443 {`, any host:80 / host:443
  /:(?:80|443)\b(?![.:\d])/g,
  // lighttpd `server.port = 80`, Caddy `http_port 80` / `https_port 443`
  /\b(?:server\.port|https?_port)[ \t=]+(?:80|443)\b/g,
];

export function assertNoPrivilegedPorts(label: string, config: string): string {
  for (const pattern of PRIVILEGED) {
    const found = config.match(pattern);
    if (found)
      throw new Error(
        `${label}: the test config still binds a privileged port (${found.map((f) => f.trim()).join(', ')}); ` +
          `rewrite it to a test port:\n${config}`,
      );
  }
  return config;
}
