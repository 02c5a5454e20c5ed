import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The files of lambdas/ and lib/ import each other in one direction only: a cycle makes the
// order of module initialisation matter (and once hid a composition root that built the other).
// Type-only imports count too: they tie the files together for a reader as much as any other.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each file's relative imports (static, dynamic and `export ... from`), as files. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const source = readFileSync(file, 'utf8');
      const specifiers = [...source.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
      const targets = specifiers
        .map((specifier) => resolve(dirname(file), specifier).replace(/\.(js|ts)$/, ''))
        .flatMap((base) => [`${base}.ts`, join(base, 'index.ts')].filter((candidate) => known.has(candidate)).slice(0, 1));
      return [file, [...new Set(targets)]];
    }),
  );
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)!.includes(node)) found.push(component.map((file) => relative(ROOT, file)).sort());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

describe('imports', () => {
  const files = [...sourceFiles(join(ROOT, 'lambdas')), ...sourceFiles(join(ROOT, 'lib'))];

  it('form no cycle among the files of lambdas/ and lib/', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(cycles(importGraph(files))).toEqual([]);
  });

  it("form no cycle among the folders of lambdas/ either: each domain's imports go one way", () => {
    const folderOf = (file: string) => relative(ROOT, file).split('/').slice(0, 2).join('/');
    const byFolder = new Map<string, string[]>();
    for (const [file, targets] of importGraph(files.filter((file) => relative(ROOT, file).split('/').length > 2))) {
      const from = folderOf(file);
      if (!from.startsWith('lambdas/')) continue;
      const into = targets.map(folderOf).filter((folder) => folder !== from && folder.startsWith('lambdas/') && folder.split('/').length === 2);
      byFolder.set(from, [...new Set([...(byFolder.get(from) ?? []), ...into])]);
    }
    expect(cycles(new Map([...byFolder].map(([folder, into]) => [join(ROOT, folder), into.map((target) => join(ROOT, target))])))).toEqual([]);
  });

  it('would find one (the check is not vacuous)', () => {
    const a = join(ROOT, 'lambdas/a.ts');
    const b = join(ROOT, 'lambdas/b.ts');
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toEqual([['lambdas/a.ts', 'lambdas/b.ts']]);
  });
});
