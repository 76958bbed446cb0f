import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A real, tiny tmpfs for tests of a full or read-only disk. Needs root (this machine and CI run
 * as root); `skip` says why when it cannot be had, for node:test's `skip` option.
 */
export interface Tmpfs {
  dir: string;
  /** Remounts read-only (or read-write again). */
  remount(mode: 'ro' | 'rw'): void;
  /** Writes filler until the disk is full (bounded); returns the filler's path. */
  fill(): string;
  unmount(): void;
}

export function tmpfsSkipReason(): string | false {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  return false;
}

/** Mounts a tmpfs of `size` (e.g. "8m") at a new directory under `parent`; null if mount fails. */
export function mountTmpfs(parent: string, size: string): Tmpfs | null {
  const dir = fs.mkdtempSync(path.join(parent, 'tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
  let mounted = true;
  return {
    dir,
    remount(mode) {
      execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
    },
    fill() {
      const filler = path.join(dir, `filler-${Date.now()}`);
      const fd = fs.openSync(filler, 'w', 0o600);
      const chunk = Buffer.alloc(64 * 1024);
      try {
        // Bounded: a tmpfs of a few megabytes fills in well under this many chunks.
        for (let i = 0; i < 100_000; i++) {
          try {
            fs.writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
            // Then smaller pieces, down to what the last page can take.
            for (let size = 32 * 1024; size >= 1; size = Math.floor(size / 2)) {
              try {
                while (fs.writeSync(fd, chunk, 0, size) > 0);
              } catch {
                // this size no longer fits; try a smaller one
              }
            }
            return filler;
          }
        }
        throw new Error(`${dir} did not fill up`);
      } finally {
        fs.closeSync(fd);
      }
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        // Still busy (a child that has not exited yet): detach it now, the kernel frees it later.
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
