import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BIN, tempCases } from '../cli/cli-process.js';
import { guideBlock, replaceAll, serveArgs } from './guide-blocks.js';
import { findBinary } from './proxy-process.js';

/**
 * The parts of docs/deploy.md no proxy runs: the marker reader itself, and the systemd unit
 * (issue 11 #4), checked against the tested serve command and by `systemd-analyze verify`.
 */
const run = promisify(execFile);
const { tmp } = tempCases('foxden-guide-', 'unit');

describe('guideBlock', () => {
  it('takes the fenced block right after its marker, and refuses a missing or repeated one', () => {
    const text = 'x\n<!-- tested: a -->\n\n```sh\necho a\n```\n\n<!-- tested: b -->\n```\nb\n```\n';
    assert.equal(guideBlock('a', text), 'echo a\n');
    assert.equal(guideBlock('b', text), 'b\n');
    assert.throws(() => guideBlock('c', text), /has no <!-- tested: c -->/);
    assert.throws(() => guideBlock('a', text + text), /repeats/);
    assert.throws(() => guideBlock('a', '<!-- tested: a -->\nprose\n```\nx\n```\n'), /not followed/);
  });

  it('fails loudly when a placeholder is gone rather than running an unreplaced config', () => {
    assert.throws(() => replaceAll('listen 8443;', [[/listen 443/g, 'listen 1']]), /placeholder/);
  });
});

/** `ExecStart=` with its continuation lines joined. */
function execStart(unit: string): string {
  const m = /^ExecStart=((?:.*\\\n)*.*)$/m.exec(unit);
  assert.ok(m, 'the unit has an ExecStart line');
  return m[1]!.replace(/\\\n\s*/g, ' ');
}

function directive(unit: string, name: string): string[] {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(unit);
  assert.ok(m, `the unit sets ${name}`);
  return m[1]!.trim().split(/\s+/);
}

describe('the systemd unit in docs/deploy.md', () => {
  const unit = guideBlock('systemd-unit');

  it('runs the same serve command the proxy test runs, with the JSON log', () => {
    const args = serveArgs(execStart(unit));
    const tested = serveArgs(guideBlock('serve'));
    assert.deepEqual(args.slice(0, tested.length), tested);
    assert.deepEqual(args.slice(tested.length), ['--log-format', 'json']);
  });

  it('lets Node start under its sandbox: @pkey (pkey_alloc) and AF_NETLINK (os.networkInterfaces)', () => {
    assert.ok(directive(unit, 'SystemCallFilter').includes('@system-service'));
    assert.ok(directive(unit, 'SystemCallFilter').includes('@pkey'));
    assert.ok(directive(unit, 'RestrictAddressFamilies').includes('AF_NETLINK'));
    // ProtectSystem=strict leaves only these writable: the data folder must be one of them.
    assert.deepEqual(directive(unit, 'ProtectSystem'), ['strict']);
    assert.ok(directive(unit, 'ReadWritePaths').includes('/var/lib/foxden'));
  });

  it(
    'passes systemd-analyze verify',
    { skip: findBinary('systemd-analyze') ? false : 'no systemd-analyze' },
    async () => {
      // The installed node and this checkout stand in for /usr/bin/node and /opt/foxden.
      const local = replaceAll(unit, [
        [/\/usr\/bin\/node\b/g, process.execPath],
        [/\/opt\/foxden\/bin\/foxden\.js\b/g, BIN],
      ]);
      const file = path.join(tmp, 'foxden.service');
      fs.writeFileSync(file, local);
      const { stderr } = await run(findBinary('systemd-analyze')!, ['verify', file], { timeout: 30_000 });
      // Lines about the unit itself (unknown directives, bad values); the host's own units are not ours.
      const ours = stderr.split('\n').filter((line) => line.includes('foxden.service'));
      assert.deepEqual(ours, []);
    },
  );
});
