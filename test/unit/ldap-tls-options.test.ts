import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tlsOptionsFor } from '../../server/ldap/connection.js';

describe('LDAP TLS options', () => {
  it('always verifies the certificate, against the CA file when there is one', () => {
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\n');
    const options = tlsOptionsFor('ldaps://directory.home.arpa:636', ca);
    assert.equal(options.rejectUnauthorized, true);
    assert.equal(options.ca, ca);
    assert.equal(options.minVersion, 'TLSv1.2');
    assert.equal(tlsOptionsFor('ldap://directory.home.arpa', null).ca, undefined);
  });

  it('checks the host name (sent as SNI), or the address without SNI for an IP', () => {
    const named = tlsOptionsFor('ldap://directory.home.arpa:389', null);
    assert.equal(named.host, 'directory.home.arpa');
    assert.equal(named.servername, 'directory.home.arpa');
    const v4 = tlsOptionsFor('ldap://192.168.1.2', null);
    assert.equal(v4.host, '192.168.1.2');
    assert.equal(v4.servername, undefined);
    const v6 = tlsOptionsFor('ldaps://[fd00::2]:636', null);
    assert.equal(v6.host, 'fd00::2');
    assert.equal(v6.servername, undefined);
  });
});
