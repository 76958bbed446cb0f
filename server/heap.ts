import v8 from 'node:v8';

/**
 * V8 heap sizing for a small, long-running sync server. By default V8 lets the young
 * generation double up to 16 MB semi-spaces under sustained traffic and lets the old
 * generation grow to up to four times its live size before collecting it; a sync server's
 * requests allocate a lot and keep little, so after a big first sync most of that is empty
 * space that stays resident. bench/run.ts measured, with 100,000 x 1 KB records stored,
 * 109-132 MB RSS by default and 84-87 MB with these two settings, at no measurable cost to
 * upload or GET throughput (more frequent but short mark-compacts: about 10 MB is live).
 *
 * Set at run time on purpose: `--max-semi-space-size` is read only when the heap is created
 * (setting it later was measured to change nothing), so it would need node or Electron to be
 * relaunched with it, while both of these are read each time V8 resizes a generation.
 * Called by bin/foxden.js for `foxden serve` before anything else is loaded, and again (no
 * change) from createSyncServer, so an in-process server gets the same settings.
 * Process-wide and idempotent.
 */
export function tuneHeapForServer(): void {
  // Electron's main process shares its V8 with the app's own windows logic and may freeze V8
  // flags after start-up (changing a frozen flag can abort the process): leave it alone there.
  if (process.versions.electron) return;
  // Keep the young generation at the size it has now. Only this run-time setting does that:
  // Node 20's V8 ignores --semi-space-growth-factor on the command line. What size that is
  // depends on how much ran before: compiling the CLI's modules grows new space to 8 MB, so
  // bin/foxden.js applies this for `foxden serve` before loading them, where it stays at
  // 1-2 MB: about 5 MB less idle RSS (70 against 75 MB; with 100,000 records stored the runs
  // were within the noise, 88-95 against 92-95 MB), for some 10-15 us more server CPU per GET
  // info/collections (bench/README.md, December 2026). V8's
  // memory reducer shrinks it to 0.5 MB once the server has been idle for some 10-30 s, and
  // from then on this keeps it there.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  // Collect the old generation once it has grown by half its live size (V8 picks 1.1x-4x by
  // itself). About 15 MB is live (mostly the modules' code); with 100,000 x 1 KB records
  // uploaded, the old generation's RSS was 27-30 MB at 100 % and 22-23 MB at 50 % (25 % gave
  // no less: V8 grows by a minimum step), with 2 more mark-compacts of ~7 ms per 100,000
  // records and the same server CPU per record and per GET (bench/run.ts, foxden serve).
  v8.setFlagsFromString('--heap-growing-percent=50');
}
