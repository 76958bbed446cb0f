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
 * Foxden runs), and a new certificate is issued, stored and announced when it fails.
 */
export async function openAutoSource(options: AutoSourceOptions): Promise<AutoCertificateSource> {
  const now = options.clock();
  const ca = await openHouseholdCa(options.dataDir, {
    hostname: options.hostname(),
    publicUrl: options.publicUrl(),
    now,
  });
  const { names, leftOut } = namesFor(ca, options);
  let material = loadStoredServerCertificate(options.dataDir, ca, names, now);
  if (material === null) {
    material = await issueServerCertificate(ca, names, now);
    storeServerCertificate(options.dataDir, material);
  }
  return new AutoCertificateSource(ca, material, leftOut, options);
}

export class AutoCertificateSource extends CertificateSourceBase {
  readonly mode = 'auto';
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  private closed = false;

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

  /** One renewal check; a check still issuing when the next is due makes that one skip. */
  async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const now = this.options.clock();
      const { names, leftOut } = namesFor(this.ca, this.options);
      this.lastLeftOut = leftOut;
      if (isStillGood(this.leaf, this.ca, names, now)) {
        this.clearProblem();
        return;
      }
      const material = await issueServerCertificate(this.ca, names, now);
      if (this.closed) return;
      storeServerCertificate(this.options.dataDir, material);
      this.serve(material);
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
