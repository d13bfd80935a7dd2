/**
 * Sizes of the source: lines per file and per function, measured with the TypeScript compiler's own
 * parser (every function-like node: declarations, methods, arrows, function expressions, accessors,
 * constructors; a function's lines include the functions nested in it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const ROOT = path.join(__dirname, '..', '..');
/** What ships: the same folders test/structure/imports.test.ts keeps acyclic. */
export const SHIPPED = ['bin', 'lib', 'lambda', 'contracts', 'demo'];

export function shippedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, entry);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...shippedFiles(rel));
    else if (/\.ts$/.test(entry) && !entry.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

export interface FunctionSize {
  /** `file:line name`. */
  readonly where: string;
  readonly lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  return '(anonymous)';
}

/** Every function of a file with its length in lines (first to last line, both counted). */
export function functionSizes(file: string, text = readFileSync(path.join(ROOT, file), 'utf8')): FunctionSize[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: FunctionSize[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.Node & { body?: ts.Node }).body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ where: `${file}:${first + 1} ${nameOf(node, source)}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Lines of a file (a final newline does not start another). */
export function fileLines(file: string): number {
  return readFileSync(path.join(ROOT, file), 'utf8').replace(/\n$/, '').split('\n').length;
}
