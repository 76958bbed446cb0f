import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDirectorySettings } from '../../server/ldap/index.js';
import { guidBytes, guidString } from '../../server/ldap/object-guid.js';

/** Active Directory's objectGUID as Foxden keeps it (issue 14 review, item 7). */
describe('objectGUID', () => {
  // Microsoft's documented example: {3F2504E0-4F89-11D3-9A0C-0305E82C3301}.
  const bytes = Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex');

  it('renders the 16 bytes as the GUID string AD tools print, and back', () => {
    assert.equal(guidString(bytes), '3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    assert.deepEqual(guidBytes('3F2504E0-4F89-11D3-9A0C-0305E82C3301'), bytes);
  });

  it('refuses what is not a GUID', () => {
    assert.equal(guidString(Buffer.alloc(15)), null);
    assert.equal(guidBytes('3f2504e0-4f89-11d3-9a0c'), null);
    assert.equal(guidBytes('*'), null);
  });

  it('is accepted as id_attribute', () => {
    const settings = parseDirectorySettings({
      ldapuri: 'ldap://127.0.0.1:1',
      bind_user: 'cn=reader',
      bind_password: 'x',
      search_root: 'dc=example',
      id_attribute: 'objectGUID',
    });
    assert.equal(settings.idAttribute, 'objectGUID');
  });
});
