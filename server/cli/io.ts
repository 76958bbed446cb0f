/** The process surface the commands use, so tests can drive them without a real process. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  /** One line on stderr. */
  warn(message: string): void;
  onSignal(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): void;
}

/**
 * A write to a pipe whose reader went away fails with EPIPE as an 'error' event, which kills
 * the process when nothing listens. Under systemd or `foxden serve 2>&1 | …` stdout and stderr
 * are one stream: the request log already copes with a failing stdout, and a warning that
 * cannot be shown must not stop the server either.
 */
let brokenPipesIgnored = false;
function ignoreBrokenPipes(): void {
  if (brokenPipesIgnored) return;
  brokenPipesIgnored = true;
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
}

export function processIo(): CliIo {
  ignoreBrokenPipes();
  return {
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    warn: (message) => process.stderr.write(`foxden: warning: ${message}\n`),
    onSignal: (signal, handler) => {
      process.on(signal, handler);
    },
  };
}
