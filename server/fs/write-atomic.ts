import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, plainFsError } from './private-path.js';

const FILE_MODE = 0o600;

/**
 * The one temp-file-then-rename of Foxden: writes `text` to a private (0600) temp file beside
 * `file`, flushes it, then renames it over `file`, so a reader sees the old file or the new
 * one, never half of each. With `keepPrevious`, an existing `file` is first moved there (any
 * older file of that name goes). Returns whether a previous file was kept. Failures are
 * plain lines (plainFsError) and leave no temp file behind.
 */
export function replaceFileAtomic(file: string, text: string, keepPrevious?: string): boolean {
  const dir = path.dirname(file);
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
  let fd: number;
  try {
    fd = fs.openSync(temp, 'wx', FILE_MODE);
  } catch (err) {
    throw plainFsError(err, dir);
  }
  writeFlushed(fd, text, temp, file);
  let kept = false;
  try {
    // open() applied the umask: exactly 0600 whatever it is.
    fs.chmodSync(temp, FILE_MODE);
    if (keepPrevious !== undefined && fs.existsSync(file)) {
      fs.rmSync(keepPrevious, { force: true });
      fs.renameSync(file, keepPrevious);
      kept = true;
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw plainFsError(err, file);
  }
  return kept;
}

/** replaceFileAtomic into a directory Foxden owns: created 0700 if missing, checked if not. */
export function writeFileAtomic(file: string, text: string): void {
  ensurePrivateDir(path.dirname(file));
  replaceFileAtomic(file, text);
}

/**
 * Creates `file` (0600) with `text` only if it does not exist yet (O_EXCL): a first-run secret
 * that another process may be creating at the same moment. Returns false when it existed
 * (theirs wins: read it). A failed write removes the file, so no later start trusts half of it.
 */
export function createFileExclusive(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw plainFsError(err, file);
  }
  writeFlushed(fd, text, file, file);
  return true;
}

/**
 * Writes `text` to the open `fd` (the file `written`) and flushes it to disk, then closes it.
 * A failed write removes the half-written file; the error names `target`, in plain words.
 */
function writeFlushed(fd: number, text: string, written: string, target: string): void {
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(written, { force: true });
    throw plainFsError(err, target);
  }
  fs.closeSync(fd);
}
