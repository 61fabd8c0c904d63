/**
 * One catalog, documented once (fastify's "every error code is documented"
 * test): the `error` codes and close codes of src/errors.ts must be exactly the
 * ones in the tables of docs/protocol.md, and every frame type must have its
 * place in the doc.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CloseCode, FrameErrorCode } from '../../src/errors.js';
import { ClientFrame, type ServerFrameType } from '../../src/websocket/protocol.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

/** The lines of the `## heading` section, up to the next heading of level 1 or 2. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim().toLowerCase() === `## ${heading}`.toLowerCase());
  if (start === -1) throw new Error(`docs/protocol.md has no "## ${heading}" section`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^#{1,2} /.test(l));
  return end === -1 ? rest : rest.slice(0, end);
}

/** The first cell of every body row of the markdown tables in `lines`, without backticks. */
function firstColumn(lines: string[]): string[] {
  const rows = lines.filter((l) => l.trim().startsWith('|'));
  const cells = rows.map((r) => r.split('|')[1]!.trim());
  // Drop header rows (followed by a --- separator) and the separators themselves.
  return cells.filter((c, i) => !/^:?-{3,}:?$/.test(c) && !/^:?-{3,}:?$/.test(cells[i + 1] ?? '')).map((c) => c.replace(/`/g, ''));
}

function drift(catalog: readonly string[], documented: readonly string[]) {
  return {
    missingFromDoc: catalog.filter((c) => !documented.includes(c)),
    missingFromCatalog: documented.filter((d) => !catalog.includes(d)),
    duplicatedInDoc: documented.filter((d, i) => documented.indexOf(d) !== i),
  };
}

const noDrift = { missingFromDoc: [], missingFromCatalog: [], duplicatedInDoc: [] };

describe('docs/protocol.md and src/errors.ts', () => {
  it('document every error frame code, and no other', () => {
    const documented = firstColumn(section(doc, 'Error codes'));
    expect(documented.length).toBeGreaterThan(0);
    expect(drift(Object.keys(FrameErrorCode), documented)).toEqual(noDrift);
  });

  it('document every close code, and no other', () => {
    const documented = firstColumn(section(doc, 'Close codes'));
    expect(documented.length).toBeGreaterThan(0);
    expect(drift(Object.values(CloseCode).map(String), documented)).toEqual(noDrift);
  });

  it('say what the client should do for every code', () => {
    for (const heading of ['Error codes', 'Close codes']) {
      const rows = section(doc, heading).filter((l) => /^\|\s*`?[\w]+`?\s*\|/.test(l) && !/^\|\s*code\s*\|/.test(l));
      for (const row of rows) {
        const cells = row.split('|').slice(1, -1).map((c) => c.trim());
        expect(cells, row).toHaveLength(3);
        expect(cells.every((c) => c.length > 0), row).toBe(true);
      }
    }
  });

  it('give every client frame type its own heading', () => {
    const types = ClientFrame.options.map((o) => o.shape.type.value);
    expect(types).toHaveLength(7);
    const headings = section(doc, 'Frames').filter((l) => l.startsWith('#### '));
    const documented = headings.map((l) => /^#### `(\w+)`/.exec(l)?.[1]).filter((t): t is string => t !== undefined);
    expect(drift(types, documented)).toEqual(noDrift);
  });

  it('list every server frame type in the server -> client table', () => {
    const types = SERVER_FRAME_TYPES as readonly string[];
    const lines = section(doc, 'Frames');
    const start = lines.findIndex((l) => l.startsWith('### Server'));
    const table = lines.slice(start, lines.findIndex((l, i) => i > start && l.startsWith('Examples')));
    expect(drift(types, firstColumn(table))).toEqual(noDrift);
  });
});

/** Every server frame type; the compile-time check below fails `npm run lint` when protocol.ts gains one. */
const SERVER_FRAME_TYPES = [
  'welcome',
  'private',
  'group',
  'broadcast',
  'notification',
  'ack',
  'receipt',
  'presence',
  'typing',
  'synced',
  'refreshed',
  'error',
] as const satisfies readonly ServerFrameType[];
type Unlisted = Exclude<ServerFrameType, (typeof SERVER_FRAME_TYPES)[number]>;
const allListed: [Unlisted] extends [never] ? true : false = true;
void allListed;
