/**
 * Citations resolve: every `docs/DESIGN.md#…` or `README.md#…` in the source, tests,
 * benchmark and docs names a heading those files have (GitHub's anchors), every `](#anchor)` link
 * inside the two documents does too, and no comment cites a numbered section ("DESIGN" and a
 * section sign) that the repository's documents do not number.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');
const FOLDERS = ['bin', 'lib', 'lambda', 'contracts', 'demo', 'bench', 'test', 'scripts'];
const DOCS = ['README.md', 'docs/DESIGN.md'];

/** Files allowed, for a reason given here, to still cite numbered sections (none today; an entry that is already clean fails). */
const PENDING: Readonly<Record<string, string>> = {};

/** A numbered-section citation; the section sign is written as an escape so this file does not match itself. */
const NUMBERED = new RegExp('DESIGN(?:\\.md)? ?\u00a7 ?\\d');
const CITATION = /(docs\/DESIGN\.md|README\.md)#([\w-]+)/g;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, entry);
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...files(rel));
    else if (/\.(?:ts|mts|mjs)$/.test(entry)) out.push(rel);
  }
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(doc: string): Set<string> {
  const text = readFileSync(path.join(ROOT, doc), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

const ANCHORS = new Map(DOCS.map((doc) => [doc, anchorsOf(doc)]));
const SOURCES = FOLDERS.flatMap(files);

describe('citations of the design and the README', () => {
  it('anchors headings as GitHub does', () => {
    expect(anchorOf('The fleet runner')).toBe('the-fleet-runner');
    expect(anchorOf('Decisions and their sources (summary)')).toBe('decisions-and-their-sources-summary');
    expect(anchorOf('Metrics and alarms')).toBe('metrics-and-alarms');
  });

  it('finds citations to check (the scan is not empty)', () => {
    const cited = SOURCES.filter((f) => CITATION.test(readFileSync(path.join(ROOT, f), 'utf8')));
    CITATION.lastIndex = 0;
    expect(cited.length).toBeGreaterThan(20);
  });

  it('every docs/DESIGN.md#… and README.md#… names a heading of that document', () => {
    const unresolved: string[] = [];
    for (const file of [...SOURCES, ...DOCS]) {
      for (const [cited, doc, anchor] of readFileSync(path.join(ROOT, file), 'utf8').matchAll(CITATION)) {
        if (!ANCHORS.get(doc!)!.has(anchor!)) unresolved.push(`${file}: ${cited}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('every in-document link of README.md and docs/DESIGN.md names one of its headings', () => {
    const unresolved = DOCS.flatMap((doc) =>
      [...readFileSync(path.join(ROOT, doc), 'utf8').matchAll(/\]\(#([\w-]+)\)/g)]
        .filter((m) => !ANCHORS.get(doc)!.has(m[1]!))
        .map((m) => `${doc}: #${m[1]}`),
    );
    expect(unresolved).toEqual([]);
  });

  it('no file cites a numbered section (the documents are cited by heading)', () => {
    const numbered = SOURCES.filter((f) => !Object.hasOwn(PENDING, f) && NUMBERED.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(numbered).toEqual([]);
  });

  it('lists as pending only files that still cite numbered sections', () => {
    expect(Object.keys(PENDING).filter((f) => !SOURCES.includes(f) || !NUMBERED.test(readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
  });
});
