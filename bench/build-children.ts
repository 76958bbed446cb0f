import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

/**
 * Transpiles server/ and bench/ to plain JavaScript in a temp directory so the processes
 * under test run WITHOUT the tsx loader: tsx adds a loader thread and esbuild and roughly
 * doubles the RSS of an idle Node process (about 40 MB → 90 MB here), which would swamp the
 * memory figures and skew throughput. Relative imports already end in `.js`, so a per-file
 * transpile (no type check, no bundling) gives a runnable tree, much like `npm run build`
 * but without touching dist/, which other engineers and `npm test` rebuild.
 */
export function buildChildren(projectRoot: string): { outDir: string; cleanup(): void } {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-bench-build-'));
  fs.writeFileSync(path.join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  // Packages resolve by walking up from the importing file; point that walk at the project's.
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');

  for (const dir of ['server', 'bench']) {
    for (const file of listFiles(path.join(projectRoot, dir))) {
      const rel = path.relative(projectRoot, file);
      const target = path.join(outDir, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (file.endsWith('.d.ts')) continue;
      if (file.endsWith('.ts')) {
        const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
          fileName: file,
          compilerOptions: {
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.ESNext,
            verbatimModuleSyntax: true,
            esModuleInterop: true,
          },
        });
        fs.writeFileSync(target.replace(/\.ts$/, '.js'), out.outputText);
      } else if (file.endsWith('.json')) {
        fs.copyFileSync(file, target);
      }
    }
  }
  return {
    outDir,
    cleanup() {
      fs.rmSync(outDir, { recursive: true, force: true });
    },
  };
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  // Bounded: the source tree is a few levels deep; a walk never follows symlinks.
  const pending = [dir];
  while (pending.length > 0 && out.length < 10_000) {
    const current = pending.pop() as string;
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) out.push(full);
    }
  }
  return out;
}
