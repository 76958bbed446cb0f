import type os from 'node:os';
import { readNetworkInterfaces } from '../network-interfaces.js';
import { wantedNames, type LeftOutName, type NameSet } from './certificate-names.js';
import { CertificateSourceBase, oneLine } from './certificate-source-base.js';
import { openHouseholdCa, type HouseholdCa } from './household-ca.js';
import { withinConstraints } from './name-constraints.js';
import {
  isStillGood,
  issueServerCertificate,
  loadStoredServerCertificate,
  storeServerCertificate,
} from './server-certificate.js';
import type { CertificateStatus, TlsMaterial } from './types.js';

export interface AutoSourceOptions {
  dataDir: string;
  publicUrl: () => string;
  clock: () => number;
  readInterfaces: () => ReturnType<typeof os.networkInterfaces>;
  hostname: () => string;
  checkEveryMs: number;
}

/**
 * `auto`: the household CA's certificate for this machine. At open the stored one is served if
 * it still covers every wanted name and has 60 days left, else a new one is issued; then every
 * `checkEveryMs` the same test runs again (LAN addresses and the public URL change while
 * Foxden runs), and a new certificate is issued, served, announced and then stored when it
 * fails (a data folder that cannot be written costs the stored copy, never the served one).
 */
export async function openAutoSource(options: AutoSourceOptions): Promise<AutoCertificateSource> {
  const now = options.clock();
  const ca = await openHouseholdCa(options.dataDir, {
    hostname: options.hostname(),
    publicUrl: options.publicUrl(),
    now,
  });
  const { names, leftOut } = namesFor(ca, options);
  const stored = loadStoredServerCertificate(options.dataDir, ca, names, now);
  if (stored !== null) return new AutoCertificateSource(ca, stored, leftOut, options);
  const material = await issueServerCertificate(ca, names, now);
  const source = new AutoCertificateSource(ca, material, leftOut, options);
  source.save(material, now);
  return source;
}

/** After a failed save, the next try waits this many checks, doubling up to the most. */
const SAVE_RETRY_FIRST_CHECKS = 10;
const SAVE_RETRY_MOST_CHECKS = 120;

export class AutoCertificateSource extends CertificateSourceBase {
  readonly mode = 'auto';
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  private closed = false;
  /** The served certificate when it could not be saved in the data folder (null: it is saved). */
  private unsaved: TlsMaterial | null = null;
  private nextSaveAt = 0;
  private saveRetryChecks = SAVE_RETRY_FIRST_CHECKS;

  constructor(
    private readonly ca: HouseholdCa,
    material: TlsMaterial,
    private lastLeftOut: LeftOutName[],
    private readonly options: AutoSourceOptions,
  ) {
    super(material);
    this.timer = setInterval(() => void this.check(), options.checkEveryMs);
    this.timer.unref();
  }

  caCertificatePem(): string {
    return this.ca.info.pem;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  protected caStatus(): CertificateStatus['ca'] {
    const { subject, fingerprint256, notAfter } = this.ca.info;
    return { subject, fingerprint256, notAfter };
  }

  protected leftOut(): LeftOutName[] {
    return this.lastLeftOut;
  }

  /**
   * Keeps the served certificate in the data folder so the next start serves it again. When
   * that fails it stays served from memory, the problem is said once, and the save is tried
   * again after a back-off (not at every check: each failure would be the same).
   */
  save(material: TlsMaterial, now: number): void {
    try {
      storeServerCertificate(this.options.dataDir, material);
      this.unsaved = null;
      this.saveRetryChecks = SAVE_RETRY_FIRST_CHECKS;
      this.clearProblem();
    } catch (err) {
      this.unsaved = material;
      this.nextSaveAt = now + this.saveRetryChecks * this.options.checkEveryMs;
      this.saveRetryChecks = Math.min(this.saveRetryChecks * 2, SAVE_RETRY_MOST_CHECKS);
      const line = `The household certificate is served but could not be saved, so the next start makes a new one: ${oneLine(err)}`;
      // At open nobody listens yet: the line is said once the caller has had its turn to listen.
      if (this.listenerCount('warning') > 0) this.reportProblem(line);
      else {
        setImmediate(() => {
          if (!this.closed && this.unsaved !== null) this.reportProblem(line);
        });
      }
    }
  }

  /** One renewal check; a check still issuing when the next is due makes that one skip. */
  async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const now = this.options.clock();
      const { names, leftOut } = namesFor(this.ca, this.options);
      this.lastLeftOut = leftOut;
      if (isStillGood(this.leaf, this.ca, names, now)) {
        if (this.unsaved === null) this.clearProblem();
        else if (now >= this.nextSaveAt) this.save(this.unsaved, now);
        return;
      }
      const material = await issueServerCertificate(this.ca, names, now);
      if (this.closed) return;
      // Served first: a data folder that cannot be written must not keep a new address out of it.
      this.serve(material);
      this.save(material, now);
    } catch (err) {
      if (!this.closed) {
        this.reportProblem(
          `A new household certificate could not be made, so the old one is still served: ${oneLine(err)}`,
        );
      }
    } finally {
      this.checking = false;
    }
  }
}

function namesFor(
  ca: HouseholdCa,
  options: Pick<AutoSourceOptions, 'publicUrl' | 'readInterfaces' | 'hostname'>,
): { names: NameSet; leftOut: LeftOutName[] } {
  const { wanted, leftOut } = wantedNames({
    publicUrl: options.publicUrl(),
    hostname: options.hostname(),
    interfaces: options.readInterfaces(),
  });
  const { inside, outside } = withinConstraints(wanted, ca.constraints);
  return { names: inside, leftOut: [...leftOut, ...outside] };
}

export const defaultReadInterfaces = (): ReturnType<typeof os.networkInterfaces> => readNetworkInterfaces();
