/**
 * Sizes (docs/DESIGN.md#folders-and-data-flow): no shipped source file over 600 lines and no
 * function over 120, measured with the TypeScript compiler's parser (./size.ts). Nothing is over
 * today; an exception would be listed below with its reason, and an entry that is no longer over
 * fails too, so the lists only shrink.
 */
import { describe, expect, it } from 'vitest';
import { fileLines, functionSizes, shippedFiles, SHIPPED } from './size';

const MAX_FILE_LINES = 600;
const MAX_FUNCTION_LINES = 120;

/** Files over the limit, and why they still are (none). */
const LONG_FILES: Readonly<Record<string, string>> = {};

/** Functions over the limit (by file and name), and why they still are (none). */
const LONG_FUNCTIONS: Readonly<Record<string, string>> = {};

const FILES = SHIPPED.flatMap(shippedFiles);
const key = (where: string) => where.replace(/:\d+ /, ' ');

describe('source sizes', () => {
  it('measures functions with the compiler: arrows, methods and nested functions each count, with their own lines', () => {
    const text = [
      'function outer() {',
      '  const inner = () => {',
      '    return 1;',
      '  };',
      '  return inner();',
      '}',
      'class A {',
      '  m() {',
      '    return 2;',
      '  }',
      '}',
    ].join('\n');
    expect(functionSizes('x.ts', text)).toEqual([
      { where: 'x.ts:1 outer', lines: 6 },
      { where: 'x.ts:2 inner', lines: 3 },
      { where: 'x.ts:8 m', lines: 3 },
    ]);
  });

  it(`no shipped file is over ${MAX_FILE_LINES} lines except the listed ones`, () => {
    const long = FILES.filter((f) => fileLines(f) > MAX_FILE_LINES);
    expect(long.filter((f) => !Object.hasOwn(LONG_FILES, f)).map((f) => `${f}: ${fileLines(f)} lines`)).toEqual([]);
    expect(Object.keys(LONG_FILES).filter((f) => !long.includes(f))).toEqual([]);
  });

  it(`no shipped function is over ${MAX_FUNCTION_LINES} lines except the listed ones`, () => {
    const long = FILES.flatMap((f) => functionSizes(f)).filter((s) => s.lines > MAX_FUNCTION_LINES);
    expect(long.filter((s) => !Object.hasOwn(LONG_FUNCTIONS, key(s.where))).map((s) => `${s.where}: ${s.lines} lines`)).toEqual([]);
    expect(Object.keys(LONG_FUNCTIONS).filter((k) => !long.some((s) => key(s.where) === k))).toEqual([]);
  });
});
