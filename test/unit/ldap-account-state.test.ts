import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entry } from 'ldapts';
import { isDisabled } from '../../server/ldap/account-state.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 5);
const entry = (attributes: Record<string, string | string[]>): Entry => ({
  dn: 'uid=x,dc=home',
  ...attributes,
});

describe('LDAP account state: the disabled markers Foxden honours', () => {
  it('an entry without markers is enabled', () => {
    assert.equal(isDisabled(entry({ uid: 'x' }), NOW), false);
  });

  it('OpenLDAP ppolicy: only the administrator’s permanent lock, not a timed lockout', () => {
    assert.equal(isDisabled(entry({ pwdAccountLockedTime: '000001010000Z' }), NOW), true);
    assert.equal(isDisabled(entry({ pwdaccountlockedtime: '000001010000Z' }), NOW), true);
    assert.equal(isDisabled(entry({ pwdAccountLockedTime: '20261205101500Z' }), NOW), false);
  });

  it('389 DS and FreeIPA: nsAccountLock TRUE', () => {
    assert.equal(isDisabled(entry({ nsAccountLock: 'TRUE' }), NOW), true);
    assert.equal(isDisabled(entry({ nsAccountLock: 'true' }), NOW), true);
    assert.equal(isDisabled(entry({ nsAccountLock: 'FALSE' }), NOW), false);
  });

  it('Active Directory and Samba: the ACCOUNTDISABLE bit of userAccountControl', () => {
    assert.equal(isDisabled(entry({ userAccountControl: '514' }), NOW), true); // 512 + 2
    assert.equal(isDisabled(entry({ userAccountControl: '66050' }), NOW), true); // 65536 + 512 + 2
    assert.equal(isDisabled(entry({ userAccountControl: '512' }), NOW), false);
    assert.equal(isDisabled(entry({ userAccountControl: 'junk' }), NOW), false);
  });

  it('shadowAccount: shadowExpire today or earlier (days since 1970); -1 is never', () => {
    const today = Math.floor(NOW / DAY);
    assert.equal(isDisabled(entry({ shadowExpire: String(today) }), NOW), true);
    assert.equal(isDisabled(entry({ shadowExpire: '1' }), NOW), true);
    assert.equal(isDisabled(entry({ shadowExpire: String(today + 1) }), NOW), false);
    assert.equal(isDisabled(entry({ shadowExpire: '-1' }), NOW), false);
  });
});
