import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  describeCertificate,
  pemCertificates,
  type CertificateDescription,
} from './certificate-description.js';
import type { CertificateStatus, TlsMaterial, TlsSource } from './types.js';

/**
 * What both kinds of TlsSource share: the material served now, the last problem, and the
 * events. A problem is said once (`warning`) however many checks meet it again, and said anew
 * only when it changes or after the certificate was good in between.
 */
export abstract class CertificateSourceBase
  extends EventEmitter<{ changed: [TlsMaterial]; warning: [string] }>
  implements TlsSource
{
  private material: TlsMaterial;
  protected leaf: crypto.X509Certificate;
  /** Parsed once per certificate: the dashboard asks for the status every few seconds. */
  private description: CertificateDescription;
  private problem: string | null = null;
  private lastWarning: string | null = null;

  protected constructor(material: TlsMaterial) {
    super();
    this.material = material;
    this.leaf = leafOf(material);
    this.description = describeCertificate(this.leaf);
  }

  current(): TlsMaterial {
    return this.material;
  }

  status(): CertificateStatus {
    const description = this.description;
    return {
      mode: this.mode,
      names: description.names,
      notBefore: description.notBefore,
      notAfter: description.notAfter,
      fingerprint256: description.fingerprint256,
      ca: this.caStatus(),
      leftOut: this.leftOut(),
      problem: this.problem,
    };
  }

  abstract readonly mode: 'auto' | 'files';
  abstract caCertificatePem(): string | null;
  abstract close(): void;
  protected abstract caStatus(): CertificateStatus['ca'];
  protected abstract leftOut(): CertificateStatus['leftOut'];

  /** Serves `material` from now on and tells the listener (unless it is what is served). */
  protected serve(material: TlsMaterial): void {
    this.clearProblem();
    if (material.cert === this.material.cert && material.key === this.material.key) return;
    this.leaf = leafOf(material);
    this.description = describeCertificate(this.leaf);
    this.material = material;
    this.emit('changed', material);
  }

  /** The served certificate is the right one again (a fault went away without a new one). */
  protected clearProblem(): void {
    this.problem = null;
    this.lastWarning = null;
  }

  /** Keeps serving the old material; records `line` and warns unless it was just said. */
  protected reportProblem(line: string): void {
    this.problem = line;
    if (line === this.lastWarning) return;
    this.lastWarning = line;
    this.emit('warning', line);
  }
}

function leafOf(material: TlsMaterial): crypto.X509Certificate {
  const [leaf] = pemCertificates(material.cert);
  if (leaf === undefined) throw new Error('TLS material without a certificate');
  return new crypto.X509Certificate(leaf);
}

/** The message of a failure as one line (the plain ones already are). */
export function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}
