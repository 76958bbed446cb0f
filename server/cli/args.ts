import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line; the CLI prints the message as one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An unknown option or one without its value: the CLI adds which --help lists the options. */
export class OptionError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Secrets on argv are visible to every user through `ps`; say where they go instead. */
const SECRET_FLAGS: Record<string, string> = {
  '--master-secret': 'set FOXDEN_MASTER_SECRET or use --master-secret-file',
  '--secret': 'set FOXDEN_MASTER_SECRET or use --master-secret-file',
  '--shared-secret': 'put shared_secret in the [global] section of the --config file',
  '--password': 'type it at the prompt or pipe it on standard input',
};

/** node:util parseArgs with strict checking and one-line messages a person can act on. */
export function parseCommandArgs(args: string[], options: Options, maxPositionals: number): ParsedArgs {
  for (const arg of args) {
    if (arg === '--') break;
    const name = arg.split('=')[0] as string;
    const advice = SECRET_FLAGS[name];
    if (advice)
      throw new UsageError(
        `${name} is not accepted: secrets on the command line are visible to other users; ${advice}.`,
      );
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: attachNegativeValues(args, options),
      options,
      strict: true,
      allowPositionals: true,
      allowNegative: true,
    });
  } catch (err) {
    throw new OptionError(describeParseError(err instanceof Error ? err.message : String(err)));
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[maxPositionals]}".`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (Array.isArray(value)) throw new UsageError(`--${name} may be given only once.`);
    if (typeof value === 'boolean' && options[name]?.type === 'string') {
      throw new OptionError(`Option --${name} needs a value.`);
    }
    if (typeof value === 'string' && options[name]?.type === 'string' && value.startsWith('--')) {
      throw new OptionError(`Option --${name} needs a value, but got the option ${value}.`);
    }
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

/**
 * parseArgs reads the "-1" of `--quota-kb -1` as an option of its own and reports a missing
 * value; a number, even a negative one, is the value, so the option's own check can say what
 * is wrong with it ("--quota-kb must be a size in KB (0 for no quota), not "-1"").
 */
function attachNegativeValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && next !== undefined && /^-[0-9.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs's messages carry advice about `--` positionals; a person needs the first sentence. */
function describeParseError(message: string): string {
  const option = /Option '(-[^' ]+)/.exec(message)?.[1];
  if (option && /ambiguous|argument missing/.test(message)) return `Option ${option} needs a value.`;
  const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown) return `Unknown option ${unknown}.`;
  return oneLine(message);
}

/** Some messages carry a second sentence on a new line; keep the first line. */
export function oneLine(message: string): string {
  return (message.split('\n')[0] as string).trim();
}

export function stringValue(values: ParsedArgs['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
