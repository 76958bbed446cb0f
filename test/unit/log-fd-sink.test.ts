import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fdSink } from '../../server/log-fd-sink.js';
import { formatLine, formatText, isoTime, streamSink, type LogEvent } from '../../server/log.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-log-sink-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let files = 0;
const freshFile = () => path.join(tmp, `out-${++files}.log`);

function requestEvent(seq: number, time = 1_764_900_000_000 + seq * 7): LogEvent {
  return {
    seq,
    time,
    level: 'info',
    kind: 'request',
    message: `GET /1.1/alice/info/collections 200`,
    method: 'GET',
    path: `/1.1/alice/storage/n${seq}`,
    address: '127.0.0.1',
    status: 200,
    durationMs: 0.532,
    user: 'alice',
    protocol: 'sync11',
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('isoTime gives exactly what Date#toISOString gives', () => {
  const samples = [
    0, 999, 1000, 1001, -1, -999, -1000, -1001, 1_764_900_000_000, 1_764_900_000_999, 1_764_900_001_000,
    253_402_300_799_999 /* 9999-12-31T23:59:59.999Z */, 253_402_300_800_000 /* year 10000 */,
    -62_167_219_200_000 /* 0000-01-01 */, -62_167_219_200_001, 1.5, 1_764_900_000_000.25,
  ];
  let t = 1_764_900_000_000;
  // A walk across many second boundaries, forwards and back (the cache must follow both ways).
  for (let i = 0; i < 5000; i++) samples.push((t += (i * 7919) % 1400), t - 2500);
  for (const ms of samples) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
});

test('text and JSON lines are unchanged', () => {
  const request = requestEvent(3, Date.UTC(2026, 11, 5, 0, 1, 2, 34));
  assert.equal(
    formatText(request),
    '2026-12-05T00:01:02.034Z 127.0.0.1 GET /1.1/alice/storage/n3 200 0.532ms user=alice',
  );
  assert.equal(
    formatText({ ...request, user: undefined, address: undefined, detail: 'quota' }),
    '2026-12-05T00:01:02.034Z - GET /1.1/alice/storage/n3 200 0.532ms (quota)',
  );
  const lifecycle: LogEvent = {
    seq: 4,
    time: Date.UTC(2026, 11, 5, 0, 1, 2, 5),
    level: 'warn',
    kind: 'lifecycle',
    message: 'something happened',
    detail: 'why',
  };
  assert.equal(formatText(lifecycle), '2026-12-05T00:01:02.005Z WARN something happened (why)');
  assert.equal(formatLine(request, 'text'), `${formatText(request)}\n`);
  assert.equal(formatLine(request, 'json'), `${JSON.stringify(request)}\n`);
});

for (const format of ['text', 'json'] as const) {
  test(`fdSink (${format}) writes the same bytes as a line-per-write stream, every line, in order`, async () => {
    const events: LogEvent[] = [];
    for (let i = 1; i <= 3000; i++) {
      events.push(
        i % 500 === 0
          ? { seq: i, time: 1_764_900_000_000 + i, level: 'info', kind: 'lifecycle', message: `step ${i}` }
          : requestEvent(i),
      );
    }
    const file = freshFile();
    const fd = fs.openSync(file, 'a');
    const sink = fdSink(fd, format);
    // In bursts with turns of the event loop between them, as requests finish in a server.
    for (let i = 0; i < events.length; i += 100) {
      for (const e of events.slice(i, i + 100)) sink.write(e);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await sink.drain();
    sink.close();
    const expected: string[] = [];
    const reference = streamSink(
      { write: (line: string) => Boolean(expected.push(line)) } as unknown as NodeJS.WritableStream,
      format,
    );
    for (const e of events) reference.write(e);
    fs.closeSync(fd);
    assert.equal(fs.readFileSync(file, 'utf8'), expected.join(''));
    assert.equal(sink.dropped, 0);
  });
}

test('fdSink: a lifecycle line is written at once, request lines within a short time, without a flush', async () => {
  const file = freshFile();
  const fd = fs.openSync(file, 'a');
  const sink = fdSink(fd, 'text');
  try {
    sink.write({
      seq: 1,
      time: Date.now(),
      level: 'info',
      kind: 'lifecycle',
      message: 'Foxden listening on x',
    });
    await until(() => fs.readFileSync(file, 'utf8').includes('Foxden listening on x'), 'the lifecycle line');
    sink.write(requestEvent(2));
    await until(() => fs.readFileSync(file, 'utf8').includes('/storage/n2 '), 'the request line');
  } finally {
    sink.close();
    fs.closeSync(fd);
  }
});

for (const ending of ['returns', 'calls process.exit(0)'] as const) {
  test(`fdSink: a process that ${ending} right after logging leaves every line written`, () => {
    const file = freshFile();
    const script = `
      import fs from 'node:fs';
      import { fdSink } from ${JSON.stringify(path.join(ROOT, 'server', 'log-fd-sink.ts'))};
      const sink = fdSink(fs.openSync(${JSON.stringify(file)}, 'a'), 'text');
      // Fewer than one batch: without the exit handler they would wait for a timer that never fires.
      for (let i = 1; i <= 30; i++) {
        sink.write({ seq: i, time: Date.now(), level: 'info', kind: 'request', message: 'm',
          method: 'GET', path: '/n' + i, status: 200, durationMs: 1 });
      }
      ${ending === 'returns' ? '' : 'process.exit(0);'}
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const paths = fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => / GET (\/n\d+) 200 /.exec(line)?.[1]);
    assert.deepEqual(
      paths,
      Array.from({ length: 30 }, (_, i) => `/n${i + 1}`),
    );
  });
}

test(
  'fdSink on a full disk (/dev/full): no throw, one warning, lines counted as dropped, close() returns',
  { skip: !fs.existsSync('/dev/full') },
  async () => {
    const fd = fs.openSync('/dev/full', 'w');
    const warnings: string[] = [];
    const sink = fdSink(fd, 'text', (message) => warnings.push(message));
    try {
      sink.write({ seq: 1, time: Date.now(), level: 'info', kind: 'lifecycle', message: 'start' });
      for (let i = 2; i < 100; i++) sink.write(requestEvent(i));
      await until(() => warnings.length > 0, 'the failure warning');
      for (let i = 100; i < 200; i++) sink.write(requestEvent(i));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] as string, /ENOSPC/);
      assert.ok(sink.dropped >= 100, `${sink.dropped} dropped`);
      sink.close();
      // The first failure at exit: the synchronous write fails, the lines are counted, no hang.
      const second = fdSink(fd, 'text');
      for (let i = 1; i <= 10; i++) second.write(requestEvent(i));
      const t0 = Date.now();
      second.close();
      assert.ok(Date.now() - t0 < 2_000, 'closing does not hang on a failing output');
      assert.equal(second.dropped, 10);
    } finally {
      fs.closeSync(fd);
    }
  },
);

test(
  'fdSink on a full disk: a retry whose "dropped" notice fails too does not count the notice as a dropped line',
  { skip: !fs.existsSync('/dev/full') },
  async () => {
    const fd = fs.openSync('/dev/full', 'w');
    const sink = fdSink(fd, 'text');
    try {
      for (let i = 1; i <= 10; i++) sink.write(requestEvent(i));
      await until(() => sink.dropped === 10, 'the ten lines counted as dropped');
      // One retry (every 5 s) writes only the notice "10 log lines were dropped", which fails.
      await new Promise((resolve) => setTimeout(resolve, 5_600));
      assert.equal(sink.dropped, 10);
    } finally {
      sink.close();
      fs.closeSync(fd);
    }
  },
);

test(
  'fdSink on a non-blocking pipe whose reader pauses (EAGAIN): every line arrives, in order, once',
  { skip: process.platform === 'win32' },
  async () => {
    // The child reads nothing for a while, then copies its stdin to its stdout.
    const child = spawn(
      process.execPath,
      ['-e', 'setTimeout(() => process.stdin.pipe(process.stdout), 800)'],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      // The parent's end of the child's stdin: a non-blocking socket (test-only peek at the handle).
      const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
      assert.ok(fd > 2, `pipe fd ${fd}`);
      let received = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => (received += chunk));
      const sink = fdSink(fd, 'text');
      const expected: string[] = [];
      // About 600 KB: more than a socket buffer holds, less than the sink's memory bound.
      for (let i = 1; i <= 6000; i++) {
        const e = requestEvent(i);
        expected.push(formatLine(e, 'text'));
        sink.write(e);
        if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await sink.drain();
      sink.close();
      const want = expected.join('');
      await until(() => received.length >= want.length, 'every line through the pipe', 10_000);
      assert.equal(received, want);
      assert.equal(sink.dropped, 0);
    } finally {
      child.kill('SIGKILL');
    }
  },
);
