import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'foxden.js');

/** The developer's own FOXDEN_* settings must not leak into the child under test. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FOXDEN_')));
  return { ...env, ...extra };
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Runs the CLI under this umask (POSIX only) to prove file modes do not depend on it. */
  umask?: string;
  stdin?: string;
}

export interface CliProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
  /** Resolves with the first stdout line matching, rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Starts the real CLI (`node bin/foxden.js …`), the way a person or systemd runs it. */
export function spawnCli(args: string[], options: SpawnOptions = {}): CliProcess {
  const env = cleanEnv(options.env);
  const child =
    options.umask && process.platform !== 'win32'
      ? spawn('sh', ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, BIN, ...args], {
          env,
          cwd: ROOT,
        })
      : spawn(process.execPath, [BIN, ...args], { env, cwd: ROOT });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (into: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      into.push(...parts);
      for (const listener of listeners) listener();
    };
  };
  child.stdout?.on('data', collect(stdout));
  child.stderr?.on('data', collect(stderr));
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let exited = false;
  void exit.then(() => {
    exited = true;
    for (const listener of listeners) listener();
  });

  return {
    child,
    stdout,
    stderr,
    exit,
    waitForLine(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = stdout.find((l) => pattern.test(l));
          if (line !== undefined) done(() => resolve(line));
          else if (exited)
            done(() =>
              reject(new Error(`CLI exited before ${pattern}:\n${[...stdout, ...stderr].join('\n')}`)),
            );
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(
                new Error(`no ${pattern} within ${timeoutMs} ms:\n${[...stdout, ...stderr].join('\n')}`),
              ),
            ),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

export interface RunningServe extends CliProcess {
  port: number;
  url: string;
  /** SIGTERM (or the given signal) and the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const LISTENING = /Foxden listening on http:\/\/\S+:(\d+)\//;

/** `foxden serve --port 0 …` and waits for the line that names the bound port. */
export async function startServe(args: string[], options: SpawnOptions = {}): Promise<RunningServe> {
  const cli = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--no-admin', ...args], options);
  try {
    const line = await cli.waitForLine(LISTENING);
    const port = Number(LISTENING.exec(line)?.[1]);
    return {
      ...cli,
      port,
      url: `http://127.0.0.1:${port}/`,
      async stop(signal = 'SIGTERM') {
        if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill(signal);
        return cli.exit;
      },
    };
  } catch (err) {
    cli.child.kill('SIGKILL');
    throw err;
  }
}

export interface CliResult {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

/** Runs a short CLI command to completion. */
export async function runCli(args: string[], options: SpawnOptions = {}): Promise<CliResult> {
  const cli = spawnCli(args, { stdin: '', ...options });
  const code = await cli.exit;
  return { code, stdout: cli.stdout.filter((l) => l !== ''), stderr: cli.stderr.filter((l) => l !== '') };
}

/** `foxden serve` that should refuse to start; one that starts anyway is stopped after 15 s. */
export async function serveRefused(args: string[]): Promise<CliResult> {
  const cli = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--no-admin', ...args]);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 15_000);
  const code = await cli.exit;
  clearTimeout(timer);
  return { code, stdout: cli.stdout.filter((l) => l !== ''), stderr: cli.stderr.filter((l) => l !== '') };
}

/**
 * A temp folder for one test file, removed after its tests, and `fresh()`: a new path inside it
 * (`<name>-1`, `<name>-2`, …) not created yet.
 */
export function tempCases(prefix: string, name: string): { tmp: string; fresh: () => string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let counter = 0;
  return { tmp, fresh: () => path.join(tmp, `${name}-${++counter}`) };
}
