import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Foxden's rule for its files (issue 8, finding 1): every directory Foxden creates is 0700 and
 * every file 0600, whatever the umask; a directory that already exists is never chmodded (it
 * may be /tmp, or a folder the owner made read-only on purpose). An existing directory that lets
 * other users in is refused with one line naming the fix; an existing file with loose modes is
 * tightened and the log says so (see takeFileNotes).
 *
 * Every filesystem failure on these paths becomes one plain line (plainFsError), which the CLI
 * prints as `foxden: <line>` and the desktop app shows as the start error.
 */

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** POSIX modes mean nothing on Windows (stat reports 0o666/0o777 for everything). */
const MODES_APPLY = process.platform !== 'win32';

/** An Error whose message is the one plain line to show; `code` keeps the system's code. */
export class FileSystemProblem extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly path: string,
  ) {
    super(message);
    this.name = 'FileSystemProblem';
  }
}

/** What the caller should call the place in its messages ("--data-dir", "sqluri"). */
export interface PathContext {
  /** The setting a person changes to choose another place; "--data-dir" unless told. */
  setting?: string;
}

const pendingNotes: string[] = [];
let noteSink: ((line: string) => void) | null = null;

/**
 * Lines for the log about files Foxden changed (modes tightened). The code that creates or
 * checks files has no logger: the lines wait here until the CLI takes them, or go straight to
 * the running server's log (setFileNoteSink).
 */
export function takeFileNotes(): string[] {
  return pendingNotes.splice(0, pendingNotes.length);
}

/** Sends file notes (those waiting, then each new one) to `sink`; null queues them again. */
export function setFileNoteSink(sink: ((line: string) => void) | null): void {
  noteSink = sink;
  if (sink) for (const line of takeFileNotes()) sink(line);
}

export function currentFileNoteSink(): ((line: string) => void) | null {
  return noteSink;
}

function note(line: string): void {
  if (noteSink) noteSink(line);
  else pendingNotes.push(line);
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Makes sure `dir` exists: missing levels are created 0700 one by one (so each one Foxden
 * creates is private whatever the umask); existing ones are only checked, never changed.
 * Throws a FileSystemProblem with the plain line when `dir` lets other users in, is a file,
 * or cannot be created.
 */
export function ensurePrivateDir(dir: string, context: PathContext = {}): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let probe = target;
  for (;;) {
    const stat = statOrNull(probe);
    if (stat !== null) {
      if (!stat.isDirectory()) throw notAFolder(probe, context);
      break;
    }
    missing.unshift(probe);
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  for (const level of missing) {
    try {
      fs.mkdirSync(level, { mode: PRIVATE_DIR_MODE });
    } catch (err) {
      // Someone else made it meanwhile: then it is theirs, and checked below like any other.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statOrNull(level)?.isDirectory()) continue;
      throw plainFsError(err, level, context);
    }
    // mkdir applies the umask; this directory is ours, so it gets exactly 0700.
    if (MODES_APPLY) chmodOwn(level, PRIVATE_DIR_MODE, context);
  }
  if (missing.at(-1) !== target) checkPrivateDir(target, context);
}

/**
 * Refuses an existing directory that other users can enter (the check ensurePrivateDir runs on
 * a directory it did not create). Never changes anything.
 */
export function checkPrivateDir(dir: string, context: PathContext = {}): void {
  const target = path.resolve(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (err) {
    throw plainFsError(err, target, context);
  }
  if (!stat.isDirectory()) throw notAFolder(target, context);
  if (!MODES_APPLY) return;
  const mode = stat.mode & 0o7777;
  const setting = context.setting ?? '--data-dir';
  if (mode & 0o1000 && mode & 0o022) {
    throw new FileSystemProblem(
      `${target} is a shared folder (mode ${modeText(mode)}: every user of this computer can create files in it), ` +
        `so Foxden's data would not be private there; choose a private folder with ${setting}, e.g. one in your home folder.`,
      undefined,
      target,
    );
  }
  if (mode & 0o077) {
    throw new FileSystemProblem(
      `${target} lets other users in (mode ${modeText(mode)}), and Foxden keeps passwords and keys there; ` +
        `make it private with "chmod 700 ${target}" or choose another ${setting}.`,
      undefined,
      target,
    );
  }
}

/**
 * Creates `file` 0600 if it is missing; tightens an existing one whose mode lets others read it
 * (and notes that for the log). Returns false, changing nothing, when the file is missing and
 * `create` is false.
 */
export function ensurePrivateFile(file: string, options: { create?: boolean } = {}): boolean {
  const stat = statOrNull(file);
  if (stat === null) {
    if (options.create === false) return false;
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, PRIVATE_FILE_MODE));
      if (MODES_APPLY) fs.chmodSync(file, PRIVATE_FILE_MODE);
    } catch (err) {
      throw plainFsError(err, file);
    }
    return true;
  }
  tightenFile(file, stat);
  return true;
}

/** Tightens an existing file to 0600 if group or others have any access; notes the change. */
export function tightenFile(file: string, stat: fs.Stats | null = statOrNull(file)): void {
  if (!MODES_APPLY || stat === null || !stat.isFile()) return;
  const mode = stat.mode & 0o7777;
  if ((mode & 0o077) === 0) return;
  try {
    fs.chmodSync(file, PRIVATE_FILE_MODE);
  } catch (err) {
    throw plainFsError(err, file);
  }
  note(`Tightened ${file} from mode ${modeText(mode)} to 0600: only its owner may read it.`);
}

/**
 * One plain line for a filesystem failure on `target` (the path Foxden was working on). Errors
 * already plain pass through; codes nobody maps keep the system's own message.
 */
export function plainFsError(err: unknown, target: string, context: PathContext = {}): Error {
  if (err instanceof FileSystemProblem) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const setting = context.setting ?? '--data-dir';
  const where = path.resolve(target);
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR': {
      const file = firstFileOnPath(where);
      if (file !== null) return notAFolder(file, context);
      break;
    }
    case 'EROFS':
      return new FileSystemProblem(
        `${where} is on a read-only file system, so Foxden cannot change anything there ` +
          `(reading works: foxden user list, foxden setup-info); to run the server or change accounts, ` +
          `mount it read-write or choose another ${setting}.`,
        code,
        where,
      );
    case 'EACCES':
    case 'EPERM':
      return permissionProblem(where, code, setting);
    case 'ENOSPC':
    case 'EDQUOT':
      return diskFullProblem(where, code);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** "The disk is full" for `target`, with the free space left where it can be read. */
export function diskFullProblem(target: string, code: string | undefined = 'ENOSPC'): FileSystemProblem {
  const free = freeSpaceOf(target);
  const left = free === null ? '' : ` (${formatBytes(free.freeBytes)} free)`;
  return new FileSystemProblem(
    `The disk is full: Foxden cannot write to ${target}${left}. Free some space on that disk and start again.`,
    code,
    target,
  );
}

export interface FreeSpace {
  /** Bytes an unprivileged writer may still use. */
  freeBytes: number;
  totalBytes: number;
}

/** Free space of the file system holding `target` (or its nearest existing parent). */
export function freeSpaceOf(target: string): FreeSpace | null {
  let probe = path.resolve(target);
  for (;;) {
    try {
      const s = fs.statfsSync(probe);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch {
      const parent = path.dirname(probe);
      if (parent === probe) return null;
      probe = parent;
    }
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** Whether `dir` is on a file system mounted read-only (statfs cannot say; a probe can). */
export function isReadOnlyFileSystem(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EROFS';
  }
}

function permissionProblem(where: string, code: string, setting: string): FileSystemProblem {
  const stat = statOrNull(where);
  const dir = stat?.isDirectory() ? where : path.dirname(where);
  const dirStat = statOrNull(dir);
  const me = safeUserName();
  if (dirStat && MODES_APPLY && (dirStat.mode & 0o200) === 0 && dirStat.uid === process.getuid?.()) {
    return new FileSystemProblem(
      `${dir} is read-only (mode ${modeText(dirStat.mode)}), so Foxden cannot change anything there ` +
        `(reading works); to run the server or change accounts, make it writable with "chmod 700 ${dir}".`,
      code,
      where,
    );
  }
  const owner = stat ?? dirStat;
  const theirs = owner && process.getuid && owner.uid !== process.getuid();
  const fix = theirs
    ? `it belongs to another user; give it back with "sudo chown -R ${me} ${dir}"`
    : `make it yours and writable with "sudo chown -R ${me} ${dir}" and "chmod 700 ${dir}"`;
  return new FileSystemProblem(
    `Foxden is not allowed to use ${where} (permission denied): ${fix}, or choose another ${setting}.`,
    code,
    where,
  );
}

function notAFolder(file: string, context: PathContext): FileSystemProblem {
  return new FileSystemProblem(
    `${file} is a file, not a folder; choose another ${context.setting ?? '--data-dir'}.`,
    'ENOTDIR',
    file,
  );
}

/** The first path component of `target` that exists and is not a directory, if any. */
function firstFileOnPath(target: string): string | null {
  const parts: string[] = [];
  for (let p = target; ; p = path.dirname(p)) {
    parts.unshift(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of parts) {
    const stat = statOrNull(p);
    if (stat === null) return null;
    if (!stat.isDirectory()) return p;
  }
  return null;
}

function chmodOwn(dir: string, mode: number, context: PathContext): void {
  try {
    fs.chmodSync(dir, mode);
  } catch (err) {
    throw plainFsError(err, dir, context);
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '$USER';
  }
}
