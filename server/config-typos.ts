import { DIRECTORY_KEYS } from './directory-config.js';
import type { IniDocument } from './ini.js';

/**
 * Which ini sections and keys Foxden knows: the ones it reads, and the ones of the original
 * Mozilla server (spec 1.1 §8.2) that it knowingly ignores, so an old `sync.conf` stays quiet
 * while a typo (`[auth] allow_new_user`, `[foxdne]`) is reported with the line to fix.
 */

/** Keys Foxden reads, by section. */
export const READ_KEYS: Readonly<Record<string, readonly string[]>> = {
  foxden: [
    'host',
    'port',
    'data_dir',
    'public_url',
    'log_format',
    'trust_proxy',
    'master_secret_file',
    'fxa_jwks_file',
    'fxa_oauth_server',
    'cors_origins',
    'https',
    'tls_cert',
    'tls_key',
  ],
  nodes: ['fallback_node'],
  storage: ['sqluri', 'use_quota', 'quota_size', 'batch_max_count', 'batch_max_bytes'],
  auth: ['allow_new_users', 'strict_usernames', 'max_new_users', 'sqluri', ...DIRECTORY_KEYS],
  global: ['shared_secret', 'retry_after'],
  'server:main': ['host', 'port'],
};

/** Keys of the original server that mean nothing to Foxden (pooling, backends, sharding…). */
const OLD_SERVER_KEYS: Readonly<Record<string, readonly string[]>> = {
  nodes: [],
  storage: [
    'backend',
    'create_tables',
    'standard_collections',
    'fixed_collections',
    'batch_size',
    'pool_size',
    'pool_recycle',
    'reset_on_return',
    'pool_max_overflow',
    'pool_max_backlog',
    'pool_timeout',
    'no_pool',
    'use_shared_pool',
    'echo_pool',
    'shard',
    'shardsize',
    'check_node_status',
    'cache_servers',
    'display_config',
  ],
  auth: [
    'create_tables',
    'pool_size',
    'pool_recycle',
    'reset_on_return',
    'pool_max_overflow',
    'pool_timeout',
    'check_node',
    // services.user.ldapsql / ldap backends (the keys Foxden reads are in DIRECTORY_KEYS)
    'admin_user',
    'admin_password',
    'users_base_dn',
    'use_pool',
    'cache_servers',
  ],
  global: [
    'heartbeat_page',
    'debug_page',
    'clean_shutdown',
    'graceful_shutdown_interval',
    'hard_shutdown_interval',
  ],
  'server:main': ['use', 'use_threadpool', 'threadpool_workers'],
};

/**
 * Sections of the original server (and of its Paste and logging setup) whose keys Foxden does
 * not read at all: any key in them is fine. `[captcha] use = true` gets its own note.
 */
const QUIET_SECTIONS = new Set([
  'DEFAULT',
  'captcha',
  'smtp',
  'reset_codes',
  'cef',
  'app',
  'app:main',
  'loggers',
  'handlers',
  'formatters',
]);
const QUIET_PREFIXES = ['metlog', 'logger_', 'handler_', 'formatter_', 'filter:', 'pipeline:', 'composite:'];

function isQuietSection(section: string): boolean {
  return QUIET_SECTIONS.has(section) || QUIET_PREFIXES.some((prefix) => section.startsWith(prefix));
}

/** The sections a typo is most likely meant to be (the ones people write by hand). */
const SUGGESTED_SECTIONS = [...Object.keys(READ_KEYS), 'captcha', 'smtp', 'reset_codes', 'cef'];

/** Levenshtein distance: small inputs (key names), so the plain two-row table is enough. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
}

/** The closest candidate, if it is close enough to be a typo (a third of the word, at least 2). */
export function nearest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(word.length / 3));
  return best !== null && bestDistance <= allowed ? best : null;
}

/**
 * One line per unknown section, unknown key in a section Foxden reads, and duplicate key,
 * each naming `file:line` and, when one is near, the setting that was probably meant.
 */
export function configTypoWarnings(doc: IniDocument, file: string): string[] {
  const warnings: { line: number; text: string }[] = [];
  for (const section of Object.keys(doc.sections)) {
    const line = doc.sectionLines[section] ?? 0;
    if (section.startsWith('host:')) continue; // refused by the parser with its own reason
    const read = READ_KEYS[section];
    if (!read) {
      if (isQuietSection(section)) continue;
      const guess = nearest(section, SUGGESTED_SECTIONS);
      warnings.push({
        line,
        text:
          `${file}:${line}: unknown section [${section}] is ignored` +
          (guess ? `; did you mean [${guess}]?` : '.'),
      });
      continue;
    }
    const known = new Set([...read, ...(OLD_SERVER_KEYS[section] ?? [])]);
    for (const key of Object.keys(doc.sections[section] ?? {})) {
      if (known.has(key)) continue;
      const keyLine = doc.keyLines[section]?.[key] ?? line;
      const guess = nearest(key, read);
      const elsewhere = Object.keys(READ_KEYS).find((other) => READ_KEYS[other]?.includes(key));
      const hint = guess ? `; did you mean ${guess}?` : elsewhere ? `; it belongs in [${elsewhere}].` : '.';
      warnings.push({
        line: keyLine,
        text: `${file}:${keyLine}: unknown setting [${section}] ${key} is ignored${hint}`,
      });
    }
  }
  for (const dup of doc.duplicates) {
    warnings.push({
      line: dup.line,
      text: `${file}:${dup.line}: [${dup.section}] ${dup.key} is set again (first on line ${dup.firstLine}); the value on line ${dup.line} is used.`,
    });
  }
  return warnings.sort((a, b) => a.line - b.line).map((w) => w.text);
}
