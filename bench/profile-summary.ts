import fs from 'node:fs';
import path from 'node:path';

/** The parts of a V8 .cpuprofile that the summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    hitCount?: number;
    children?: number[];
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

const TOP = Number(process.env.BENCH_PROFILE_TOP) || 15;

/**
 * Self time per function and per file over every profile in `dir`, so a failing target
 * comes with its hot spots. Paths are shown relative to the project (the transpiled tree
 * mirrors it), and node internals and packages are grouped by their module.
 */
export function summariseProfiles(dir: string, projectRoot: string): string {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  // Inclusive time of the project's own functions: where a request's time goes, callees included.
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const samples = profile.samples?.length ?? 0;
    if (samples === 0) continue;
    const msPerSample = (profile.endTime - profile.startTime) / 1000 / samples;
    addInclusive(profile, msPerSample, projectRoot, inclusive);
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0) continue;
      const ms = hits * msPerSample;
      // Idle time says how long the server waited, not where its work went: left out of the shares.
      if (node.callFrame.functionName === '(idle)') {
        idle += ms;
        continue;
      }
      const { functionName, url, lineNumber } = node.callFrame;
      const where = shortUrl(url, projectRoot);
      const fn = `${functionName || '(anonymous)'} ${where}${where.includes(':') || !url ? '' : `:${lineNumber + 1}`}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
      byModule.set(moduleOf(where, functionName), (byModule.get(moduleOf(where, functionName)) ?? 0) + ms);
      total += ms;
    }
  }
  if (total === 0) return 'No CPU profile samples were written.\n';
  const render = (title: string, map: Map<string, number>) =>
    [
      title,
      ...[...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP)
        .map(
          ([name, ms]) =>
            `  ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`,
        ),
    ].join('\n');
  return (
    `\nServer CPU profile (${(total / 1000).toFixed(1)} s busy, ${(idle / 1000).toFixed(1)} s idle; shares are of busy time)\n` +
    `${render('Self time by function:', byFunction)}\n${render('Self time by module:', byModule)}\n` +
    `${render('Inclusive time of project functions (callees included):', inclusive)}\n\n`
  );
}

/** Sums, for each project function, the samples of its subtree, counting recursion once. */
function addInclusive(
  profile: CpuProfile,
  msPerSample: number,
  projectRoot: string,
  into: Map<string, number>,
): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const roots = profile.nodes.filter((n) => !childIds.has(n.id));
  // Iterative walk (a deep stack must not overflow ours); `open` holds the names on the path.
  const totals = new Map<number, number>();
  const order: number[] = [];
  const stack = roots.map((n) => n.id);
  while (stack.length > 0) {
    const id = stack.pop() as number;
    order.push(id);
    for (const c of byId.get(id)?.children ?? []) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = byId.get(order[i] as number);
    if (!node) continue;
    let sum = node.hitCount ?? 0;
    for (const c of node.children ?? []) sum += totals.get(c) ?? 0;
    totals.set(node.id, sum);
  }
  const walk = [...roots.map((n) => ({ id: n.id, onPath: new Set<string>() }))];
  while (walk.length > 0) {
    const { id, onPath } = walk.pop() as { id: number; onPath: Set<string> };
    const node = byId.get(id);
    if (!node) continue;
    const where = shortUrl(node.callFrame.url, projectRoot);
    let path = onPath;
    if (where.startsWith('server/')) {
      const name = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
      if (!onPath.has(name)) {
        into.set(name, (into.get(name) ?? 0) + (totals.get(id) ?? 0) * msPerSample);
        path = new Set(onPath).add(name);
      }
    }
    for (const c of node.children ?? []) walk.push({ id: c, onPath: path });
  }
}

function shortUrl(url: string, projectRoot: string): string {
  if (!url) return '';
  const plain = url.replace(/^file:\/\//, '');
  const build = /foxden-bench-build-[^/]+\/(.*)$/.exec(plain);
  if (build?.[1]) return build[1].replace(/^node_modules\//, '');
  const nm = /node_modules\/(.*)$/.exec(plain);
  if (nm?.[1]) return nm[1];
  // foxden serve runs the compiled tree: dist/server/… is the project's server/….
  return plain.startsWith(projectRoot) ? path.relative(projectRoot, plain).replace(/^dist\//, '') : plain;
}

function moduleOf(where: string, functionName: string): string {
  if (!where) return functionName.startsWith('(') ? functionName : '(native)';
  if (where.startsWith('node:')) return where.split('/')[0] ?? where;
  const parts = where.split('/');
  // A package: its name (scoped or not); project code: its directory and file.
  if (!where.startsWith('server/') && !where.startsWith('bench/')) {
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? where);
  }
  return where;
}
