/** docs/benchmarks.md and the console summary, from the series of one run. */
import os from 'node:os';
import type { Series } from './stats';

export interface Section {
  readonly title: string;
  readonly rows: readonly Series[];
}

export interface Machine {
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly platform: string;
  readonly date: string;
  /** 1-minute load average when the run started: a busy machine shows here first. */
  readonly loadAtStart: number;
}

export function thisMachine(): Machine {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAtStart: os.loadavg()[0] ?? 0,
  };
}

export interface SessionPath {
  readonly states: readonly string[];
  /** AWS list price of one Standard-workflow state transition, in USD. */
  readonly usdPerTransition: number;
}

export interface BenchReport {
  readonly machine: Machine;
  readonly durationSeconds: number;
  readonly settings: string;
  readonly ratios: readonly Section[];
  readonly measures: readonly Section[];
  readonly sessionPath: SessionPath | undefined;
  readonly notes: readonly string[];
}

export function markdown(report: BenchReport): string {
  const { machine } = report;
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (test/bench/run.ts); rerun it rather than editing this file.`,
    '',
    `Machine: Node ${machine.node}, ${machine.cpu}, ${machine.cores} cores, ${machine.platform}; ` +
      `load average ${machine.loadAtStart.toFixed(2)} at start. Run on ${machine.date}, took ${report.durationSeconds.toFixed(0)} s.`,
    '',
    report.settings,
    '',
    '## How to read',
    '',
    'Compare the **ratios** across machines and commits, not the absolute figures. Every ratio ' +
      'is taken pairwise inside one run, between measures made moments apart (a MeterValues round trip ' +
      'over the Heartbeat of the same round, a decode over the round trip of the same frame, the ten-charger ' +
      'burst over the single-charger burst next to it), so a slower or busier machine moves both sides ' +
      'and the ratio stays put. The median is the figure; the p95 shows the tail, and a p95 far above its ' +
      'median means the machine was noisy during the run (for calls/s, where more is better, the p95 is the fast end). Absolute times are this machine only, with the ' +
      'whole stack (chargers, gateway, Lambda handlers, dynalite, Step Functions, Payter simulator) in one ' +
      'Node process on loopback: they are the local system\'s own work, not AWS latencies (no network, no ' +
      'cold starts, dynalite for DynamoDB). State transitions per session are exact and machine-independent: ' +
      'AWS bills Standard workflows per transition, so that row is a cost figure.',
    '',
    '## Ratios',
    '',
    ...table(report.ratios),
    '',
    '## Measures',
    '',
    ...table(report.measures),
  ];
  if (report.sessionPath) {
    const { states, usdPerTransition } = report.sessionPath;
    const perThousand = states.length * usdPerTransition * 1000;
    lines.push(
      '',
      '## The paid session\'s path',
      '',
      `${states.length} state transitions: ${states.join(' -> ')}.`,
      `At $${(usdPerTransition * 1000).toFixed(3)} per 1,000 transitions (Standard workflows, us-east-1 list price ` +
        `beyond the free tier; check current pricing) that is $${perThousand.toFixed(2)} per 1,000 sessions for ` +
        'Step Functions alone.',
    );
  }
  lines.push('', '## What each measure covers', '', ...report.notes.map((note) => `- ${note}`), '');
  return lines.join('\n');
}

function table(sections: readonly Section[]): string[] {
  const lines = ['| measure | unit | median | p95 | n |', '|---|---|--:|--:|--:|'];
  for (const section of sections) {
    lines.push(`| **${section.title}** | | | | |`);
    for (const series of section.rows) {
      const { n, median, p95 } = series.summary();
      lines.push(`| ${series.label} | ${series.unit} | ${median.toFixed(series.digits)} | ${p95.toFixed(series.digits)} | ${n} |`);
    }
  }
  return lines;
}

/** The console's short version: medians only, ratios first. */
export function consoleSummary(report: BenchReport): string {
  const lines = [`bench: ${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}, ${report.durationSeconds.toFixed(0)} s`];
  for (const section of [...report.ratios, ...report.measures]) {
    lines.push(`  ${section.title}`);
    for (const series of section.rows) {
      const { n, median, p95 } = series.summary();
      lines.push(`    ${series.label.padEnd(44)} ${median.toFixed(series.digits).padStart(10)} ${series.unit.padEnd(8)} (p95 ${p95.toFixed(series.digits)}, n ${n})`);
    }
  }
  if (report.sessionPath) lines.push(`  paid session: ${report.sessionPath.states.length} state transitions`);
  return lines.join('\n');
}
