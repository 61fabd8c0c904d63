import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demoDir = fileURLToPath(new URL('../../demo/', import.meta.url));

/**
 * Every `import ... from './x.js'`, `export ... from './x.js'` and `import './x.js'`
 * (type-only ones too: a cycle of types ties the modules as much).
 */
const LOCAL_IMPORT = /^\s*(?:import|export)\b(?:[^;'"]*?\bfrom)?\s*'\.\/([\w-]+)\.js'/gm;

/** demo/*.ts as module name -> the demo modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(demoDir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(demoDir, file), 'utf8');
    graph.set(file.slice(0, -3), [...source.matchAll(LOCAL_IMPORT)].map((m) => m[1]!));
  }
  return graph;
}

/** Each import cycle once, as the path `a -> b -> ... -> a` (depth-first, a back edge closes a cycle). */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): void => {
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at !== -1) found.push([...path.slice(at), next].join(' -> '));
      else if (!done.has(next)) visit(next);
    }
    path.pop();
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) if (!done.has(node)) visit(node);
  return found;
}

/** Issue 18, item 3: the demo's modules were one import cycle through chat-app.ts. */
describe('the demo page modules', () => {
  it('reads the imports it checks', () => {
    const graph = importGraph();
    expect(graph.get('main')).toContain('chat-app');
    expect(graph.get('context')).toBeDefined();
  });

  it('import each other without a cycle', () => {
    expect(cycles(importGraph())).toEqual([]);
  });

  it('reach the chat through the narrow context (context.ts), never through chat-app.ts', () => {
    const importers = [...importGraph()].filter(([, imports]) => imports.includes('chat-app')).map(([name]) => name);
    expect(importers.sort()).toEqual(['auth-screen', 'main']);
  });

  it('keep context.ts a leaf: it imports no feature module', () => {
    expect(importGraph().get('context')!.filter((m) => m !== 'state')).toEqual([]);
  });
});
