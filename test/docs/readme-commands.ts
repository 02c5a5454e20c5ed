/**
 * The README's shell commands as data, for the tests that hold the README to what the system
 * does: the `curl` calls (method, path, headers, body) and the other commands of a bash block.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const readme = (): string => readFileSync(`${ROOT}README.md`, 'utf8');

export interface CurlCall {
  readonly line: string;
  readonly method: string;
  /** The path and query after `$B`. */
  readonly path: string;
  /** `-H "$H"` etc.: the names of the shell variables sent as headers, and literal headers. */
  readonly headers: readonly string[];
  /** A literal `-d '...'` body, or the file of `-d @file`. */
  readonly body?: { readonly json: string } | { readonly file: string };
}

/** The commands of the first ```bash block after `heading`, continuation lines joined, comments dropped. */
export function bashBlockAfter(heading: string, text = readme()): string[] {
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`README has no "${heading}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(text.slice(start))?.[1];
  if (block === undefined) throw new Error(`no bash block after "${heading}"`);
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Every `curl` of the README (every block), parsed. */
export function readmeCurls(text = readme()): CurlCall[] {
  const lines = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.replace(/\\\n\s*/g, '').split('\n'));
  return lines.filter((line) => /^\s*curl\s/.test(line)).map((line) => parseCurl(line.replace(/\s+#.*$/, '').trim()));
}

export function parseCurl(line: string): CurlCall {
  const words = [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  let method = 'GET';
  let path: string | undefined;
  const headers: string[] = [];
  let body: CurlCall['body'];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-X') method = words[++i]!;
    else if (word === '-H') headers.push(words[++i]!);
    else if (word === '-d') {
      const data = words[++i]!;
      body = data.startsWith('@') ? { file: data.slice(1) } : { json: data };
      if (method === 'GET') method = 'POST';
    } else if (word.startsWith('$B')) path = word.slice(2);
    else if (!word.startsWith('-')) throw new Error(`unexpected word "${word}" in: ${line}`);
  }
  if (path === undefined) throw new Error(`no $B URL in: ${line}`);
  return { line, method, path, headers, ...(body && { body }) };
}
