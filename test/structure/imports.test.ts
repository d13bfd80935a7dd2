/**
 * The source tree's shape (docs/DESIGN.md#folders-and-data-flow): no import cycles among source files (type-only and dynamic
 * imports count), shipped folders never import test or benchmark code, and the CLI (demo included)
 * never loads the CDK.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');
const SHIPPED = ['bin', 'lib', 'lambda', 'contracts', 'demo'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, entry);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.ts$/.test(entry) && !entry.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Relative imports of a file (static, type-only, re-exports and dynamic), resolved to repo paths. */
export function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs = new Set<string>();
  const re = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith('.')) specs.add(spec);
  }
  const resolved: string[] = [];
  for (const spec of specs) {
    const base = path.normalize(path.join(path.dirname(file), spec));
    const hit = [base, `${base}.ts`, path.join(base, 'index.ts')].find((c) => {
      try {
        return statSync(path.join(ROOT, c)).isFile();
      } catch {
        return false;
      }
    });
    if (hit) resolved.push(hit);
  }
  return resolved;
}

/** Every cycle found by a depth-first search, each as a list of files. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('source structure', () => {
  const files = [...SHIPPED, 'bench'].flatMap(sourceFiles);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('finds a cycle when there is one (the detector itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('reads static, type-only, re-export and dynamic imports', () => {
    const deps = importsOf('demo/walk.ts');
    expect(deps.length).toBeGreaterThan(3);
    expect(deps.filter((d) => d.endsWith('.ts')).every((d) => graph.has(d))).toBe(true);
    expect(deps).toContain('lambda/runner.ts');
  });

  it('has no import cycle among source files, type-only and dynamic imports included', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('ships nothing that imports test or benchmark code', () => {
    const bad = files
      .filter((f) => SHIPPED.includes(f.split(path.sep)[0]!))
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((d) => /^(test|bench)\//.test(d))
          .map((d) => `${f} -> ${d}`),
      );
    expect(bad).toEqual([]);
  });

  it('keeps the CDK out of the CLI: nothing bin/synthmon.ts loads imports aws-cdk-lib or constructs', () => {
    // Value imports only (type-only imports are erased), static and dynamic, followed transitively.
    const valueImports = (file: string) => {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      return [...text.matchAll(/^(?!import type )(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map(
        (m) => m[1] ?? m[2]!,
      );
    };
    const seen = new Set<string>();
    const todo = ['bin/synthmon.ts'];
    const cdk: string[] = [];
    while (todo.length) {
      const file = todo.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const specs = valueImports(file);
      cdk.push(...specs.filter((s) => /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/.test(s)).map((s) => `${file} -> ${s}`));
      const relative = new Set(specs.filter((s) => s.startsWith('.')).map((s) => path.normalize(path.join(path.dirname(file), s))));
      todo.push(...importsOf(file).filter((f) => relative.has(f) || relative.has(f.replace(/\.ts$/, '')) || relative.has(path.dirname(f))));
    }
    expect(seen).toContain('demo/demo.ts');
    expect(cdk).toEqual([]);
  });
});
