/**
 * A session's energy and power over time from its transaction's meter values, as an SVG drawn
 * in the page (no script or style of its own, so within the CSP), with the figures as a table
 * for screen readers and keyboard users.
 */
import { html } from 'htm/preact';
import { duration } from './format';

export interface MeterPoint {
  /** ms since the epoch */
  readonly at: number;
  readonly wh: number;
}

interface Transaction {
  meterStart?: number;
  startedAt?: string;
  meterStop?: number;
  stoppedAt?: string;
  lastMeterWh?: number;
  lastMeterAt?: string;
  meterValues?: { timestamp: string; sampledValue: { value: string; measurand?: string; unit?: string; context?: string }[] }[];
}

/** The energy register readings of a transaction, in time order: its start, its samples, its stop. */
export function meterPoints(transaction: Transaction): MeterPoint[] {
  const points: MeterPoint[] = [];
  const add = (timestamp: string | undefined, wh: number | undefined) => {
    const at = timestamp ? Date.parse(timestamp) : NaN;
    if (!Number.isNaN(at) && wh !== undefined && Number.isFinite(wh)) points.push({ at, wh });
  };
  add(transaction.startedAt, transaction.meterStart);
  for (const sample of transaction.meterValues ?? []) {
    for (const value of sample.sampledValue) {
      if ((value.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register') continue;
      add(sample.timestamp, Number(value.value) * (value.unit === 'kWh' ? 1000 : 1));
    }
  }
  add(transaction.stoppedAt, transaction.meterStop);
  points.sort((a, b) => a.at - b.at);
  // One reading per instant (the stop often repeats the last sample).
  return points.filter((point, i) => i === 0 || point.at !== points[i - 1]!.at);
}

const W = 320;
const H = 160;
const PAD = 28;

export function EnergyChart(props: { points: readonly MeterPoint[] }) {
  const points = props.points;
  if (points.length < 2) return html`<p>Not enough meter values for a chart yet.</p>`;
  const t0 = points[0]!.at;
  const t1 = points[points.length - 1]!.at;
  const e0 = points[0]!.wh;
  const eMax = Math.max(...points.map((p) => p.wh - e0), 1);
  const powers = points.slice(1).map((p, i) => {
    const prev = points[i]!;
    const hours = (p.at - prev.at) / 3_600_000;
    return { from: prev.at, to: p.at, kw: hours > 0 ? (p.wh - prev.wh) / 1000 / hours : 0 };
  });
  const kwMax = Math.max(...powers.map((p) => p.kw), 0.001);
  const x = (at: number) => PAD + ((at - t0) / Math.max(t1 - t0, 1)) * (W - 2 * PAD);
  const yE = (wh: number) => H - PAD - ((wh - e0) / eMax) * (H - 2 * PAD);
  const yP = (kw: number) => H - PAD - (kw / kwMax) * (H - 2 * PAD);
  const energyLine = points.map((p) => `${x(p.at).toFixed(1)},${yE(p.wh).toFixed(1)}`).join(' ');
  const powerSteps = powers.flatMap((p) => [`${x(p.from).toFixed(1)},${yP(p.kw).toFixed(1)}`, `${x(p.to).toFixed(1)},${yP(p.kw).toFixed(1)}`]).join(' ');
  const total = ((points[points.length - 1]!.wh - e0) / 1000).toFixed(3);
  const label = `Energy ${total} kWh over ${duration((t1 - t0) / 1000)}; power up to ${kwMax.toFixed(2)} kW`;
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${label} class="chart-svg">
      <line x1=${PAD} y1=${H - PAD} x2=${W - PAD} y2=${H - PAD} class="axis" />
      <line x1=${PAD} y1=${PAD} x2=${PAD} y2=${H - PAD} class="axis" />
      <polyline points=${powerSteps} class="power" fill="none" />
      <polyline points=${energyLine} class="energy" fill="none" />
      <text x=${PAD} y=${PAD - 8} class="label">${total} kWh</text>
      <text x=${W - PAD} y=${PAD - 8} class="label power-label" text-anchor="end">${kwMax.toFixed(2)} kW max</text>
      <text x=${PAD} y=${H - 8} class="label">0:00</text>
      <text x=${W - PAD} y=${H - 8} class="label" text-anchor="end">${duration((t1 - t0) / 1000)}</text>
    </svg>
    <figcaption><span class="key energy-key">energy (kWh)</span> <span class="key power-key">average power (kW)</span></figcaption>
    <details>
      <summary>Meter values</summary>
      <div class="table"><table aria-label="Meter values">
        <thead><tr><th scope="col">Time</th><th scope="col">Energy</th><th scope="col">Power since the last</th></tr></thead>
        <tbody>
          ${points.map(
            (p, i) => html`<tr><td>${duration((p.at - t0) / 1000)}</td><td>${((p.wh - e0) / 1000).toFixed(3)} kWh</td><td>${i === 0 ? '–' : `${powers[i - 1]!.kw.toFixed(2)} kW`}</td></tr>`,
          )}
        </tbody>
      </table></div>
    </details>
  </figure>`;
}
