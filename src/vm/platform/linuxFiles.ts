/**
 * File descriptors and host file access of a linux32 process, confined to one directory subtree
 * (the run's cwd). Paths outside it fail with EACCES, missing ones with ENOENT; the host is never
 * touched outside the subtree (symlinks are resolved before the check).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const E = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, EBADF: 9, ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13,
  EFAULT: 14, EBUSY: 16, ENODEV: 19, EOVERFLOW: 75, EMLINK: 31, EEXIST: 17, EXDEV: 18, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24,
  ENOTTY: 25, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EPIPE: 32, ERANGE: 34, ENAMETOOLONG: 36,
  ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENODATA: 61, EAFNOSUPPORT: 97, ENETUNREACH: 101, ETIMEDOUT: 110,
} as const;

/** Host errno names (from node's fs errors) → Linux errno numbers. */
export function errnoOf(e: unknown): number {
  const code = (e as { code?: string }).code ?? '';
  const v = (E as Record<string, number>)[code];
  return v ?? E.EIO;
}

export type FdKind = 'stdin' | 'stdout' | 'stderr' | 'file' | 'dir' | 'null';

export interface OpenFile {
  kind: FdKind;
  hostFd: number;
  /** Host path (files and directories). */
  hostPath: string;
  pos: number;
  /** Linux O_* flags as opened (access mode, O_APPEND, O_NONBLOCK …). */
  flags: number;
  cloexec: boolean;
  /** Shared by dup'ed descriptors. */
  refs: { n: number };
  dirEntries?: string[];
}

// Linux i386 open flags.
export const O_ACCMODE = 3;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;

export class FileTable {
  readonly fds: Array<OpenFile | undefined> = [];
  readonly root: string;
  /** The guest's working directory (a host path inside root). */
  cwd: string;

  constructor(root: string) {
    let r = path.resolve(root);
    try {
      r = fs.realpathSync(r);
    } catch {
      // A missing root: every access will fail with ENOENT.
    }
    this.root = r;
    this.cwd = r;
    const mk = (kind: FdKind, flags: number): OpenFile => ({ kind, hostFd: -1, hostPath: '', pos: 0, flags, cloexec: false, refs: { n: 1 } });
    this.fds[0] = mk('stdin', 0);
    this.fds[1] = mk('stdout', O_WRONLY);
    this.fds[2] = mk('stderr', O_WRONLY);
  }

  get(fd: number): OpenFile | undefined {
    return fd >= 0 && fd < this.fds.length ? this.fds[fd] : undefined;
  }

  alloc(f: OpenFile, min = 0): number {
    let fd = min;
    while (fd < this.fds.length && this.fds[fd] !== undefined) fd++;
    if (fd >= 1024) return -E.EMFILE;
    this.fds[fd] = f;
    return fd;
  }

  close(fd: number): number {
    const f = this.get(fd);
    if (!f) return -E.EBADF;
    this.fds[fd] = undefined;
    if (--f.refs.n === 0 && f.hostFd >= 0) {
      try {
        fs.closeSync(f.hostFd);
      } catch {
        // Already closed on the host: nothing to do.
      }
    }
    return 0;
  }

  closeAll(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]) this.close(fd);
  }

  private inside(p: string): boolean {
    return p === this.root || p.startsWith(this.root.endsWith(path.sep) ? this.root : this.root + path.sep);
  }

  /**
   * Resolves a guest path (relative to `base`, a host directory, default the guest cwd) to a host path
   * inside the root, or a negative errno. `forCreate` allows a missing last component.
   */
  resolve(guestPath: string, base?: string, followLast = true): string | number {
    if (guestPath.length === 0) return -E.ENOENT;
    if (guestPath.length > 4095) return -E.ENAMETOOLONG;
    const p = path.resolve(base ?? this.cwd, guestPath);
    if (!this.inside(p)) return -E.EACCES;
    // Resolve symlinks of the existing part and check again.
    let existing = p;
    const rest: string[] = [];
    for (;;) {
      try {
        const real = followLast || rest.length > 0 || existing !== p ? fs.realpathSync(existing) : path.join(fs.realpathSync(path.dirname(existing)), path.basename(existing));
        const full = rest.length ? path.join(real, ...rest.reverse()) : real;
        return this.inside(full) ? full : -E.EACCES;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') return errnoOf(e) ? -errnoOf(e) : -E.EACCES;
        const parent = path.dirname(existing);
        if (parent === existing) return -E.ENOENT;
        rest.push(path.basename(existing));
        existing = parent;
      }
    }
  }

  /** The guest's view of the cwd (its host path). */
  getcwd(): string {
    return this.cwd;
  }
}
