import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIREFOX_BLOCKED_PORTS, portWarnings } from '../../server/ports.js';

test('the blocked list is the union of the classic and modern lists: 82 ports (spec 1.1 §10.1)', () => {
  assert.equal(FIREFOX_BLOCKED_PORTS.size, 82);
  for (const port of [1, 22, 25, 6000, 4045, 2049, 10080, 6697, 5060, 1719, 3659]) {
    assert.ok(FIREFOX_BLOCKED_PORTS.has(port), `port ${port}`);
  }
  for (const port of [80, 443, 5000, 8080, 8173, 8443])
    assert.ok(!FIREFOX_BLOCKED_PORTS.has(port), `port ${port}`);
});

test('a blocked port above 1024 gets exactly the Firefox warning', () => {
  const warnings = portWarnings(6000, 'linux');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /Firefox's list of blocked ports/);
  assert.match(portWarnings(10080, 'win32')[0]!, /blocked/);
});

test('ports below 1024 are flagged, blocked ones get both warnings', () => {
  assert.equal(portWarnings(80, 'linux').length, 1);
  assert.match(portWarnings(80, 'linux')[0]!, /below 1024.*administrator/);
  assert.match(portWarnings(80, 'win32')[0]!, /below 1024.*well-known/);
  assert.equal(portWarnings(22, 'linux').length, 2);
});

test('macOS AirPlay ports 5000 and 7000 are flagged on macOS only', () => {
  assert.match(portWarnings(5000, 'darwin')[0]!, /AirPlay/);
  assert.match(portWarnings(7000, 'darwin')[0]!, /AirPlay/);
  assert.deepEqual(portWarnings(5000, 'linux'), []);
  assert.deepEqual(portWarnings(7000, 'win32'), []);
});

test('good ports and port 0 ("any free port") get no warning', () => {
  for (const port of [0, 1024, 8173, 8443, 5001, 65535])
    assert.deepEqual(portWarnings(port, 'darwin'), [], `port ${port}`);
});
