import type { EventEmitter } from 'node:events';

/**
 * How the sync port speaks (issue 13): plain HTTP, HTTPS with a certificate Foxden issues
 * itself from a household certificate authority kept in the data directory, or HTTPS with
 * certificate files the owner already has (reloaded when they change on disk).
 */
export type TlsSettings =
  | { mode: 'off' }
  | { mode: 'auto' }
  | { mode: 'files'; certFile: string; keyFile: string };

export type TlsMode = TlsSettings['mode'];

/** What Node's TLS needs for one secure context: PEM text (the chain, leaf first) and its key. */
export interface TlsMaterial {
  cert: string;
  key: string;
}

/** The certificate the sync port presents, as the dashboard, setup-info and warnings show it. */
export interface CertificateStatus {
  mode: 'auto' | 'files';
  /** DNS names and IP addresses the certificate is valid for, as written in it. */
  names: string[];
  /** ISO 8601 times of the served certificate's validity. */
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the served certificate (DER), upper-case hex pairs joined by ':'. */
  fingerprint256: string;
  /** `auto`: the household CA that issued it (what each device must trust); `files`: null. */
  ca: { subject: string; fingerprint256: string; notAfter: string } | null;
  /**
   * Names clients are told to use (the public URL's host) or that Foxden wanted in the
   * certificate but could not put there, each with a plain reason; empty when all are in.
   */
  leftOut: { name: string; reason: string }[];
  /**
   * The last reload or renewal that failed, in one plain line (the old certificate is still
   * served); null when the served certificate is the newest one.
   */
  problem: string | null;
}

/**
 * The source of the sync port's certificate for as long as it listens: it hands out the
 * current material, renews or reloads it on its own and says so through its events; the
 * listener swaps its secure context on `changed` (no restart, open connections unaffected).
 */
export interface TlsSource extends EventEmitter<{ changed: [TlsMaterial]; warning: [string] }> {
  current(): TlsMaterial;
  status(): CertificateStatus;
  /** `auto`: the household CA certificate (PEM) served at /ca.crt; `files`: null. */
  caCertificatePem(): string | null;
  /** Stops the timers and file watches; the files stay. */
  close(): void;
}
