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

export function processIo(): CliIo {
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
