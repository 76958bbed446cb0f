import path from 'node:path';

/**
 * A parser for the seed's `.ini`/`.conf` files with the value conversion of server-core's
 * services/config.py (spec 1.1 §8.1), so an old server-full `sync.conf` keeps its meaning.
 * Supported: `[section]`, `key = value` or `key: value`, full-line `#`/`;` comments and
 * inline ` ;`/` #` comments (whitespace before them, as Python's ConfigParser), indented
 * continuation lines (→ a list), `%(here)s` and `%(key)s` interpolation, `${VAR}`.
 * Not supported: `[DEFAULT] extends` and `[host:…]` sections (rejected with a reason).
 */
export type IniValue = string | number | boolean | IniScalar[];
type IniScalar = string | number | boolean;

export type IniSections = Record<string, Record<string, IniValue>>;

export class IniError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IniError';
  }
}

export interface IniOptions {
  /** The file's path: gives `%(here)s` and names the file in errors. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

const SECTION = /^\[([^\]]+)\]\s*$/;
const OPTION = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/;
const INLINE_COMMENT = /\s[;#].*$/;
const INTEGER = /^-?[0-9]+$/;
const ENV_VAR = /\$\{([^}]*)\}/g;
const INTERPOLATION = /%\(([^)]+)\)s|%%/g;

interface RawOption {
  lines: string[];
  lineNo: number;
}

/** A key given twice in one section: the later line wins (as in the Python 2 server). */
export interface IniDuplicate {
  section: string;
  key: string;
  line: number;
  firstLine: number;
}

/** The values plus where each section and key was written, for warnings that name the line. */
export interface IniDocument {
  sections: IniSections;
  /** Line of each section's first header. */
  sectionLines: Record<string, number>;
  /** Line of each key's (last) definition, by section. */
  keyLines: Record<string, Record<string, number>>;
  duplicates: IniDuplicate[];
}

export function parseIni(text: string, options: IniOptions = {}): IniSections {
  return parseIniDocument(text, options).sections;
}

/**
 * Python 3's ConfigParser refuses a duplicate key; the Python 2 one the original server ran on
 * let the later value win silently. Foxden keeps the later value, so an old file keeps its
 * meaning, and reports each duplicate so the owner can see it.
 */
export function parseIniDocument(text: string, options: IniOptions = {}): IniDocument {
  const where = options.file ?? 'config';
  const layout: Omit<IniDocument, 'sections'> = {
    sectionLines: Object.create(null) as Record<string, number>,
    keyLines: Object.create(null) as Record<string, Record<string, number>>,
    duplicates: [],
  };
  const raw = readRaw(text, where, layout);
  const here = options.file ? path.dirname(path.resolve(options.file)) : process.cwd();
  const env = options.env ?? process.env;
  const defaults = raw.get('DEFAULT') ?? new Map<string, RawOption>();
  if (defaults.has('extends')) {
    throw new IniError(`${where}: "[DEFAULT] extends" is not supported; merge the files into one.`);
  }

  const result: IniSections = Object.create(null) as IniSections;
  for (const [section, opts] of raw) {
    if (section.startsWith('host:')) {
      throw new IniError(`${where}: per-host sections like [${section}] are not supported.`);
    }
    const values: Record<string, IniValue> = Object.create(null) as Record<string, IniValue>;
    const lookup = (key: string, seen: Set<string>): string => {
      if (key === 'here') return here;
      const option = opts.get(key) ?? defaults.get(key);
      if (!option) throw new IniError(`${where}: %(${key})s refers to an option that does not exist.`);
      if (seen.has(key)) throw new IniError(`${where} line ${option.lineNo}: %(${key})s refers to itself.`);
      return interpolate(option.lines.join('\n'), (k) => lookup(k, new Set([...seen, key])));
    };
    for (const [key, option] of opts) {
      const text = interpolate(option.lines.join('\n'), (k) => lookup(k, new Set([key])));
      values[key] = convert(text, env, `${where} line ${option.lineNo}`);
    }
    result[section] = values;
  }
  return { sections: result, ...layout };
}

function readRaw(
  text: string,
  where: string,
  layout: Omit<IniDocument, 'sections'>,
): Map<string, Map<string, RawOption>> {
  const sections = new Map<string, Map<string, RawOption>>();
  let current: Map<string, RawOption> | null = null;
  let currentName = '';
  let last: RawOption | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      // A blank line ends nothing in ConfigParser, but a comment is never a value.
      return;
    }
    if (/^\s/.test(line) && last) {
      last.lines.push(stripInlineComment(trimmed));
      return;
    }
    const header = SECTION.exec(trimmed);
    if (header) {
      const name = (header[1] as string).trim();
      current = sections.get(name) ?? new Map<string, RawOption>();
      sections.set(name, current);
      currentName = name;
      layout.sectionLines[name] ??= lineNo;
      layout.keyLines[name] ??= Object.create(null) as Record<string, number>;
      last = null;
      return;
    }
    const option = OPTION.exec(trimmed);
    if (!option) throw new IniError(`${where} line ${lineNo}: expected "key = value" or "[section]".`);
    if (!current) throw new IniError(`${where} line ${lineNo}: "${trimmed}" comes before any [section].`);
    last = { lines: [stripInlineComment(option[2] as string)], lineNo };
    // ConfigParser lower-cases option names.
    const key = (option[1] as string).trim().toLowerCase();
    const earlier = current.get(key);
    if (earlier)
      layout.duplicates.push({ section: currentName, key, line: lineNo, firstLine: earlier.lineNo });
    current.set(key, last);
    (layout.keyLines[currentName] as Record<string, number>)[key] = lineNo;
  });
  return sections;
}

function stripInlineComment(value: string): string {
  if (value.startsWith('"')) return value;
  return value.replace(INLINE_COMMENT, '').trim();
}

function interpolate(value: string, lookup: (key: string) => string): string {
  return value.replace(INTERPOLATION, (match: string, key: string | undefined) =>
    match === '%%' ? '%' : lookup((key as string).toLowerCase()),
  );
}

/** services/config.py `convert`: ints, booleans, quoted strings, `${VAR}`; multi-line → list. */
function convert(value: string, env: NodeJS.ProcessEnv, where: string): IniValue {
  if (value.includes('\n')) {
    return value
      .split('\n')
      .map((line) => convertScalar(line, env, where))
      .filter((v) => v !== '');
  }
  return convertScalar(value, env, where);
}

function convertScalar(raw: string, env: NodeJS.ProcessEnv, where: string): IniScalar {
  const value = raw.trim();
  if (INTEGER.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
    return value;
  }
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1);
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  return value.replace(ENV_VAR, (_m: string, name: string) => {
    const found = env[name];
    if (found === undefined) throw new IniError(`${where}: environment variable ${name} is not set.`);
    return found;
  });
}
