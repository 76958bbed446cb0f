// The certificate core of issue 13, as the listener, the dashboard and setup-info use it.
export { openTlsSource, type TlsSourceOptions } from './tls-source.js';
export { readHouseholdCa, HouseholdCaError, type HouseholdCaInfo } from './household-ca.js';
export { TlsFileError } from './certificate-files.js';
export type { CertificateStatus, TlsMaterial, TlsMode, TlsSettings, TlsSource } from './types.js';
