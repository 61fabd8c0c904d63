/**
 * The README and docs/ link to each other by file and heading anchor. A link
 * to a missing file is a 404 on the package's page; one whose anchor matches
 * no heading lands at the top of the page. Anchors are made as GitHub makes
 * them from a heading.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

const withoutCode = (text: string) => text.replace(/```[\s\S]*?```/g, '');

function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

function anchorsOf(page: string): Set<string> {
  const text = withoutCode(readFileSync(join(root, page), 'utf8'));
  return new Set([...text.matchAll(/^#+\s+(.*)$/gm)].map((m) => slug(m[1]!)));
}

it('every link between the README and docs/ names a file that exists and, with an anchor, a heading of that page', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = withoutCode(readFileSync(join(root, page), 'utf8'));
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue; // http(s), mailto
      const [file, anchor] = target!.split('#');
      const linked = file ? relative(root, join(root, dirname(page), file)) : page;
      if (!existsSync(join(root, linked))) broken.push(`${page}: ${target} (no such file)`);
      else if (anchor !== undefined && linked.endsWith('.md') && !anchorsOf(linked).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});
