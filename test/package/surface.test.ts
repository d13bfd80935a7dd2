/**
 * The library's surface without building it (docs/DESIGN.md#packaging): what lib/index.ts loads at
 * run time, followed through every value import, may only use Node's built-ins, synthmon's
 * dependencies and its peers — a devDependency (esbuild, cdk-nag, tsx) would be missing from an
 * installed package — and nothing of the CLI, the demo or the Lambda runtime. test/package's
 * packed app proves the same end to end; this fails in a second, naming the import.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Value imports (static and dynamic; `import type` and `export type` are erased by the compiler). */
function valueSpecifiers(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^(?!import type |export type )(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map(
    (m) => m[1] ?? m[2]!,
  );
}

/** A relative specifier of `from` as a repo path, resolved as the compiler does (file, .ts, folder index). */
function resolveRelative(from: string, spec: string): string {
  const base = path.normalize(path.join(path.dirname(from), spec));
  const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => existsSync(path.join(ROOT, c)) && statSync(path.join(ROOT, c)).isFile());
  if (!hit) throw new Error(`${from} imports ${spec}, which resolves to no file`);
  return hit;
}

/** Every source file lib/index.ts loads at run time, and the packages they import. */
function libraryGraph(): { files: string[]; packages: Map<string, string[]> } {
  const seen = new Set<string>();
  const packages = new Map<string, string[]>();
  const todo = ['lib/index.ts'];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const specs = valueSpecifiers(file);
    for (const spec of specs.filter((s) => !s.startsWith('.'))) {
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      packages.set(name, [...(packages.get(name) ?? []), file]);
    }
    todo.push(...specs.filter((s) => s.startsWith('.')).map((s) => resolveRelative(file, s)));
  }
  return { files: [...seen].sort(), packages };
}

describe('the library entry point (lib/index.ts)', () => {
  const { files, packages } = libraryGraph();

  it('follows the import graph (the walker itself)', () => {
    expect(files).toEqual(expect.arrayContaining(['lib/index.ts', 'lib/synthetic-monitor.ts', 'lib/runner.ts', 'lib/runner-bundle.ts']));
    expect([...packages.keys()]).toEqual(expect.arrayContaining(['aws-cdk-lib', 'constructs']));
  });

  it('loads only Node built-ins, dependencies and peer dependencies, never a devDependency', () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const allowed = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    const bad = [...packages]
      .filter(([name]) => !builtins.has(name) && !allowed.has(name))
      .map(([name, by]) => `${name} (imported by ${by.join(', ')})`);
    expect(bad).toEqual([]);
  });

  it('loads nothing of the CLI, the demo or the Lambda runtime (they ship as bundles of their own)', () => {
    expect(files.filter((f) => /^(bin|demo|lambda|scripts|bench|test)\//.test(f))).toEqual([]);
  });

  it('has aws-cdk-lib and constructs as peers, kept as devDependencies for the repo, and not as dependencies', () => {
    for (const peer of ['aws-cdk-lib', 'constructs']) {
      expect(pkg.peerDependencies[peer]).toBeDefined();
      expect(pkg.devDependencies[peer]).toBeDefined();
      expect(pkg.dependencies[peer]).toBeUndefined();
    }
  });
});
