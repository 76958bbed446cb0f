import { UsageError } from './args.js';

/** Bounds a piped password so a wrong redirect (a big file) cannot fill memory. */
const MAX_PASSWORD_BYTES = 4096;

/**
 * Reads a password from standard input, never from argv: without echo at a terminal, or the
 * first line when piped (`printf '%s\n' "$PW" | foxden user add alice`).
 */
export async function readPassword(
  stdin: NodeJS.ReadStream,
  prompt: (text: string) => void,
  question = 'Password: ',
): Promise<string> {
  if (stdin.isTTY) {
    const first = await readHidden(stdin, prompt, question);
    const second = await readHidden(stdin, prompt, 'Repeat password: ');
    if (first !== second) throw new UsageError('The two passwords differ; nothing was changed.');
    return check(first);
  }
  return check(await readLine(stdin));
}

function check(password: string): string {
  if (password === '') throw new UsageError('No password given on standard input.');
  return password;
}

function readLine(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      stdin.off('data', onData);
      stdin.off('end', finish);
      stdin.off('error', onError);
      stdin.pause();
      const text = Buffer.concat(chunks).toString('utf8');
      const newline = text.indexOf('\n');
      resolve((newline === -1 ? text : text.slice(0, newline)).replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (chunk.includes(0x0a)) return finish();
      if (size > MAX_PASSWORD_BYTES) {
        stdin.off('data', onData);
        stdin.pause();
        reject(new UsageError('The password on standard input is longer than 4096 bytes.'));
      }
    };
    const onError = (err: Error) => reject(err);
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('error', onError);
    stdin.resume();
  });
}

function readHidden(
  stdin: NodeJS.ReadStream,
  prompt: (text: string) => void,
  question: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let password = '';
    prompt(question);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    const done = (err: Error | null) => {
      stdin.setRawMode(false);
      stdin.off('data', onData);
      stdin.pause();
      prompt('\n');
      if (err) reject(err);
      else resolve(password);
    };
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new UsageError('Cancelled.'));
        if (ch === '\u007f' || ch === '\b') password = [...password].slice(0, -1).join('');
        else if (ch >= ' ') password += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
