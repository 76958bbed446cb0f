import fs from 'node:fs';
import net from 'node:net';
import { publicUrlHost } from './certificate-names.js';
import { readCertificateFiles, TlsFileError } from './certificate-files.js';
import { CertificateSourceBase, oneLine } from './certificate-source-base.js';
import type { CertificateStatus, TlsMaterial } from './types.js';

export interface FilesSourceOptions {
  certFile: string;
  keyFile: string;
  publicUrl: () => string;
  clock: () => number;
  checkEveryMs: number;
}

/** `files`: the owner's certificate and key, checked at open (a bad file throws its one line). */
export function openFilesSource(options: FilesSourceOptions): FilesCertificateSource {
  const material = readCertificateFiles(options.certFile, options.keyFile, options.clock());
  return new FilesCertificateSource(material, options);
}

/**
 * Watches both files by polling their stat (fs.watchFile), which follows symlinks and sees a
 * file renamed over another: how certbot and acme.sh replace them. A change is read once the
 * files have been still for one polling interval, so a certificate written a moment before its
 * key is never mistaken for a mismatch.
 */
export class FilesCertificateSource extends CertificateSourceBase {
  readonly mode = 'files';
  private settle: NodeJS.Timeout | null = null;
  private readonly onChange = (): void => {
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => this.reload(), this.options.checkEveryMs);
    this.settle.unref();
  };

  constructor(
    material: TlsMaterial,
    private readonly options: FilesSourceOptions,
  ) {
    super(material);
    for (const file of [options.certFile, options.keyFile]) {
      fs.watchFile(file, { interval: options.checkEveryMs, persistent: false }, this.onChange);
    }
  }

  caCertificatePem(): null {
    return null;
  }

  close(): void {
    for (const file of [this.options.certFile, this.options.keyFile]) fs.unwatchFile(file, this.onChange);
    if (this.settle) clearTimeout(this.settle);
    this.settle = null;
  }

  /** Reads both files again: good ones are served, a bad one keeps the old and warns. */
  reload(): void {
    try {
      this.serve(readCertificateFiles(this.options.certFile, this.options.keyFile, this.options.clock()));
    } catch (err) {
      const line = err instanceof TlsFileError ? err.message : oneLine(err);
      this.reportProblem(`${line} (the certificate read before is still served)`);
    }
  }

  protected caStatus(): null {
    return null;
  }

  /** The public URL's host when the owner's certificate does not name it: clients would refuse it. */
  protected leftOut(): CertificateStatus['leftOut'] {
    const host = publicUrlHost(this.options.publicUrl());
    if (host === null) return [];
    const covered = net.isIP(host)
      ? this.leaf.checkIP(host) !== undefined
      : this.leaf.checkHost(host) !== undefined;
    if (covered) return [];
    return [
      {
        name: host,
        reason: `not in the certificate in ${this.options.certFile}, so clients using the public URL refuse the connection`,
      },
    ];
  }
}
