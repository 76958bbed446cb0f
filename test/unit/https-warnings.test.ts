import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdminSettings, Warning } from '../../server/admin/api.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { httpPublicUrlWithHttps } from '../../server/admin/tls-warnings.js';
import { computeWarnings } from '../../server/admin/warnings.js';
import type { CertificateStatus } from '../../server/tls/types.js';

/** The HTTPS warnings (issue 13, item 3): each fires, and each stays quiet when all is well. */

const NOW = Date.parse('2026-12-05T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

const HTTPS_ON: Partial<AdminSettings> = {
  https: 'auto',
  publicUrl: 'https://192.168.1.20:8173/',
  bindScope: 'lan',
};

function certificate(over: Partial<CertificateStatus> = {}): CertificateStatus {
  return {
    mode: 'auto',
    names: ['foxden-box', 'foxden-box.local', 'localhost', '127.0.0.1', '192.168.1.20', '::1'],
    notBefore: new Date(NOW - DAY).toISOString(),
    notAfter: new Date(NOW + 200 * DAY).toISOString(),
    fingerprint256: 'AB:CD',
    ca: { subject: 'Foxden household CA', fingerprint256: '12:34', notAfter: '2036-12-05T00:00:00.000Z' },
    leftOut: [],
    problem: null,
    ...over,
  };
}

function warnings(settings: Partial<AdminSettings>, cert: CertificateStatus | null = null): Warning[] {
  return computeWarnings({ ...DEFAULT_SETTINGS, ...settings }, 'linux', {
    accountCount: 0,
    tls: { certificate: cert, now: NOW },
  });
}

const codes = (settings: Partial<AdminSettings>, cert: CertificateStatus | null = null) =>
  warnings(settings, cert).map((w) => w.code);

test('HTTPS on, an https public URL the certificate holds, months to go: no warning', () => {
  assert.deepEqual(codes(HTTPS_ON, certificate()), []);
  assert.deepEqual(codes({ ...HTTPS_ON, https: 'files' }, certificate({ mode: 'files', ca: null })), []);
  // Plain HTTP with an http public URL, as before.
  assert.deepEqual(codes({ publicUrl: 'http://127.0.0.1:8173/' }), []);
});

test('the public URL says http:// while the port speaks HTTPS', () => {
  const [w] = warnings({ ...HTTPS_ON, publicUrl: 'http://192.168.1.20:8173/' }, certificate());
  assert.equal(w?.code, 'public-url-http-with-https');
  assert.equal(w?.severity, 'error');
  assert.match(w?.hint ?? '', /https:\/\/192\.168\.1\.20:8173\//);
});

test('the public URL says https:// while the port speaks plain HTTP, unless a proxy serves it', () => {
  const https = { publicUrl: 'https://127.0.0.1:8173/' };
  assert.deepEqual(codes(https), ['public-url-https-without-tls']);
  assert.match(warnings(https)[0]?.message ?? '', /speaks plain HTTP and no reverse proxy/);
  assert.deepEqual(codes({ ...https, behindProxy: true }), []);
});

test('a name clients use that the certificate does not hold (its source left it out) is an error, with the reason', () => {
  const publicUrl = 'https://sync.example.org:8173/';
  const left = certificate({
    leftOut: [{ name: 'sync.example.org', reason: 'the household CA may not vouch for it' }],
  });
  const missing = warnings({ ...HTTPS_ON, publicUrl }, left);
  assert.deepEqual(
    missing.map((w) => w.code),
    ['certificate-name-missing'],
  );
  assert.match(
    missing[0]?.message ?? '',
    /as sync\.example\.org, but the certificate is only for foxden-box,.*: browsers will refuse it \(the household CA may not vouch for it\)\.$/,
  );
  // Names compare in one spelling: case, a trailing dot, IPv6 spelling.
  assert.deepEqual(codes({ ...HTTPS_ON, publicUrl: 'https://SYNC.example.org.:8173/' }, left), [
    'certificate-name-missing',
  ]);
  const v6 = certificate({ leftOut: [{ name: 'fd00::20', reason: 'not held' }] });
  assert.deepEqual(codes({ ...HTTPS_ON, publicUrl: 'https://[fd00:0::20]:8173/' }, v6), [
    'certificate-name-missing',
  ]);
  // A left-out name clients do not use is not this warning's business (Status lists it).
  assert.deepEqual(codes(HTTPS_ON, left), []);
  // Behind a proxy, clients meet the proxy's certificate: not this one's business.
  assert.deepEqual(
    codes({ ...HTTPS_ON, behindProxy: true, publicUrl: 'https://sync.example.org/' }, left),
    [],
  );
});

test('the http:// public URL with HTTPS: the same words in the dashboard warning and the CLI line', () => {
  const { message, hint } = httpPublicUrlWithHttps('http://192.168.1.20:8173/');
  const [w] = warnings({ ...HTTPS_ON, publicUrl: 'http://192.168.1.20:8173/' }, certificate());
  assert.deepEqual([w?.message, w?.hint], [message, hint]);
  assert.equal(hint, 'Change the public URL to https://192.168.1.20:8173/.');
});

test('the certificate ends within 30 days: a warning with the date and the days left; past it, an error', () => {
  const soon = warnings(HTTPS_ON, certificate({ notAfter: new Date(NOW + 12 * DAY + 5000).toISOString() }));
  assert.deepEqual(
    soon.map((w) => w.code),
    ['certificate-expiring'],
  );
  assert.equal(soon[0]?.message, 'The certificate expires on 2026-12-17, in 12 days.');
  assert.match(soon[0]?.hint ?? '', /renews it by itself/);
  const filesSoon = warnings(
    { ...HTTPS_ON, https: 'files' },
    certificate({ mode: 'files', ca: null, notAfter: new Date(NOW + 29 * DAY).toISOString() }),
  );
  assert.match(filesSoon[0]?.hint ?? '', /Renew it/);
  // 31 days: quiet.
  assert.deepEqual(codes(HTTPS_ON, certificate({ notAfter: new Date(NOW + 31 * DAY).toISOString() })), []);
  const expired = warnings(HTTPS_ON, certificate({ notAfter: new Date(NOW - DAY).toISOString() }));
  assert.deepEqual(
    expired.map((w) => [w.code, w.severity]),
    [['certificate-expired', 'error']],
  );
  assert.match(expired[0]?.message ?? '', /expired on 2026-12-04/);
});

test('a reload or renewal that failed: the one line, and that the old certificate is still served', () => {
  const failed = warnings(
    { ...HTTPS_ON, https: 'files' },
    certificate({
      mode: 'files',
      ca: null,
      problem: 'The key file /etc/foxden/key.pem cannot be read (permission denied).',
    }),
  );
  assert.deepEqual(
    failed.map((w) => w.code),
    ['certificate-reload-failed'],
  );
  assert.match(
    failed[0]?.message ?? '',
    /^HTTPS certificate: The key file \/etc\/foxden\/key\.pem cannot be read \(permission denied\)\.$/,
  );
  assert.deepEqual(codes(HTTPS_ON, certificate({ problem: null })), []);
});
