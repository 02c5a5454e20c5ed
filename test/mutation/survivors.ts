/**
 * Turns Stryker's JSON report (reports/mutation/mutation.json) into the scores and survivors
 * sections of docs/mutation.md: the score per scoped folder, and every mutant no test killed
 * (survived or not covered), each with the word a reviewer gave it in judgments.ts (equivalent
 * and why, or not yet killed). `npm run mutation` runs it after Stryker; run it alone with
 * `tsx test/mutation/survivors.ts` after a partial run (`--mutate` one file) to refresh the docs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JUDGMENTS, type Judgment } from './judgments';

interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number }; readonly end: { readonly line: number; readonly column: number } };
}
interface Report {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
}

/** The folders issue 8 scopes, as docs/mutation.md names them. */
export const SCOPED_FOLDERS: readonly { readonly name: string; readonly matches: (file: string) => boolean }[] = [
  { name: 'lambdas/pricing', matches: (f) => f.startsWith('lambdas/pricing/') },
  { name: 'lambdas/money', matches: (f) => f.startsWith('lambdas/money/') },
  { name: 'lambdas/payter', matches: (f) => f.startsWith('lambdas/payter/') },
  { name: 'lambdas/csms (credentials, calls, queue)', matches: (f) => f.startsWith('lambdas/csms/') },
  { name: 'lambdas/ocpp/v16/validate.ts', matches: (f) => f === 'lambdas/ocpp/v16/validate.ts' },
  { name: 'lambdas/readers', matches: (f) => f.startsWith('lambdas/readers/') },
  { name: 'lambdas/sessions', matches: (f) => f.startsWith('lambdas/sessions/') || f.startsWith('lambdas/reconciliation/') },
];

const KILLED = new Set(['Killed', 'Timeout']);
const UNKILLED = new Set(['Survived', 'NoCoverage']);
/** Neither counts: the mutant could not run (a compile error with the type checker) or is ignored. */
const UNCOUNTED = new Set(['Ignored', 'CompileError', 'RuntimeError', 'Pending']);

export interface Unkilled {
  readonly file: string;
  readonly line: number;
  readonly mutator: string;
  readonly original: string;
  readonly replacement: string;
  readonly status: string;
  readonly judgment?: Judgment;
}

/** The code a mutant replaced, on one line. */
function originalOf(source: string, { start, end }: Mutant['location']): string {
  const lines = source.split('\n');
  const text =
    start.line === end.line
      ? lines[start.line - 1]!.slice(start.column - 1, end.column - 1)
      : [lines[start.line - 1]!.slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1]!.slice(0, end.column - 1)].join(' ');
  return text.replace(/\s+/g, ' ').trim();
}

const oneLine = (text: string, max = 70) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function summarize(report: Report) {
  const rows = SCOPED_FOLDERS.map((folder) => ({ folder: folder.name, killed: 0, survived: 0, noCoverage: 0, ignored: 0 }));
  const unkilled: Unkilled[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const row = rows[SCOPED_FOLDERS.findIndex((f) => f.matches(file))];
    if (row === undefined) continue;
    for (const mutant of mutants) {
      if (KILLED.has(mutant.status)) row.killed += 1;
      else if (mutant.status === 'Survived') row.survived += 1;
      else if (mutant.status === 'NoCoverage') row.noCoverage += 1;
      else if (UNCOUNTED.has(mutant.status)) row.ignored += 1;
      if (!UNKILLED.has(mutant.status)) continue;
      const original = originalOf(source, mutant.location);
      const replacement = mutant.replacement ?? '';
      const judgment = JUDGMENTS.find((j) => j.file === file && j.mutator === mutant.mutatorName && original.includes(j.original));
      unkilled.push({ file, line: mutant.location.start.line, mutator: mutant.mutatorName, original, replacement, status: mutant.status, ...(judgment && { judgment }) });
    }
  }
  return { rows, unkilled };
}

const percent = (killed: number, all: number) => (all === 0 ? '-' : `${((killed / all) * 100).toFixed(1)} %`);

export function markdown(report: Report, date: string): string {
  const { rows, unkilled } = summarize(report);
  const lines = [
    `Measured ${date}: ${rows.reduce((n, r) => n + r.killed + r.survived + r.noCoverage, 0)} mutants counted (static ones ignored). Score: killed / (killed + survived + no coverage); a mutant that makes the tests hang (a timeout) counts as killed.`,
    '',
    '| folder | score | killed | survived | no coverage |',
    '|---|--:|--:|--:|--:|',
    ...rows.map((r) => `| ${r.folder} | ${percent(r.killed, r.killed + r.survived + r.noCoverage)} | ${r.killed} | ${r.survived} | ${r.noCoverage} |`),
    '',
    `### Every mutant no test kills (${unkilled.length})`,
    '',
    '| where | mutation | verdict |',
    '|---|---|---|',
    ...unkilled.map(
      (u) =>
        `| \`${u.file.replace('lambdas/', '')}:${u.line}\` | ${u.mutator}: \`${oneLine(u.original, 50).replace(/\|/g, '\\|')}\` -> \`${oneLine(u.replacement, 40).replace(/\|/g, '\\|')}\`${u.status === 'NoCoverage' ? ' (no test reaches it)' : ''} | ${u.judgment ? `**${u.judgment.verdict}**: ${u.judgment.why}` : '**not yet judged**'} |`,
    ),
  ];
  return lines.join('\n');
}

const BEGIN = '<!-- survivors:begin (written by test/mutation/survivors.ts) -->';
const END = '<!-- survivors:end -->';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = JSON.parse(readFileSync(new URL('../../reports/mutation/mutation.json', import.meta.url), 'utf8')) as Report;
  const docsUrl = new URL('../../docs/mutation.md', import.meta.url);
  const docs = readFileSync(docsUrl, 'utf8');
  const section = `${BEGIN}\n${markdown(report, new Date().toISOString().slice(0, 10))}\n${END}`;
  const begin = docs.indexOf(BEGIN);
  const end = docs.indexOf(END);
  writeFileSync(docsUrl, begin >= 0 && end > begin ? docs.slice(0, begin) + section + docs.slice(end + END.length) : `${docs.trimEnd()}\n\n${section}\n`);
  const { rows } = summarize(report);
  for (const r of rows) console.log(`${r.folder}: ${percent(r.killed, r.killed + r.survived + r.noCoverage)} (${r.killed} killed, ${r.survived} survived, ${r.noCoverage} no coverage)`);
}
