// The replay page: reads the form, runs the replay in a module Web Worker, and draws the hit
// rate over time per tier and the per-worker load as progress comes in, then the latency CDFs
// and the report; "Compare all policies" runs every policy on the same trace into one table.
import type { ReplayOptions, ReplayPolicy, ReplayProgress, ReplayResult } from 'kvbm-sequence';

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLDivElement>('status');
const samples: { done: number; g1: number; g2: number }[] = [];
let last: ReplayProgress | undefined;

function tokens(value: string): number | 'unlimited' | null {
  const v = value.trim().toLowerCase();
  if (v === 'unlimited') return 'unlimited';
  if (v === '' || v === 'none' || v === '0') return null;
  return Number(v.replace(/[_,]/g, ''));
}

function drawHits(total: number): void {
  const c = $<HTMLCanvasElement>('hits');
  const g = c.getContext('2d') as CanvasRenderingContext2D;
  const [w, h, left, bottom] = [c.width, c.height, 44, 28];
  g.clearRect(0, 0, w, h);
  g.font = '12px sans-serif';
  g.fillStyle = '#222';
  g.fillText('hit rate so far (share of prompt tokens)', left, 14);
  // The y axis spans 0 .. a little above the highest rate seen, in steps of 10 %.
  const top = Math.max(10, Math.ceil((Math.max(0, ...samples.map((s) => s.g1 + s.g2)) * 1.2) / 10) * 10);
  const yOf = (p: number) => h - bottom - ((h - bottom - 24) * p) / top;
  g.strokeStyle = '#ccc';
  for (let p = 0; p <= top; p += top / 4) {
    const y = yOf(p);
    g.beginPath();
    g.moveTo(left, y);
    g.lineTo(w - 8, y);
    g.stroke();
    g.fillText(`${p}%`, 6, y + 4);
  }
  g.fillText(`requests (of ${total})`, w / 2 - 40, h - 6);
  const series: [keyof (typeof samples)[0], string, string][] = [
    ['g1', '#4477aa', 'G1 (device)'],
    ['g2', '#ee7733', 'G2 (host, onboarded)'],
  ];
  series.forEach(([key, color, name], k) => {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    samples.forEach((s, i) => {
      const x = left + ((w - left - 8) * s.done) / Math.max(1, total);
      const y = yOf(s[key] as number);
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    });
    g.stroke();
    g.fillStyle = color;
    g.fillRect(left + 260 + k * 150, 6, 10, 10);
    g.fillStyle = '#222';
    g.fillText(name, left + 274 + k * 150, 15);
  });
  g.lineWidth = 1;
}

function drawLoad(perWorker: { requests: number }[], running: readonly number[]): void {
  const c = $<HTMLCanvasElement>('load');
  const g = c.getContext('2d') as CanvasRenderingContext2D;
  const [w, h] = [c.width, c.height];
  g.clearRect(0, 0, w, h);
  g.font = '12px sans-serif';
  g.fillStyle = '#222';
  g.fillText('per worker: requests routed (bar), running now (dot)', 8, 14);
  const max = Math.max(1, ...perWorker.map((p) => p.requests));
  const bw = (w - 40) / Math.max(1, perWorker.length);
  perWorker.forEach((p, i) => {
    // Bars end 40 px below the top, so the count above the tallest stays clear of the title.
    const bh = ((h - 70) * p.requests) / max;
    g.fillStyle = '#66aa55';
    g.fillRect(20 + i * bw + 4, h - 30 - bh, bw - 8, bh);
    g.fillStyle = '#222';
    g.fillText(`w${i}`, 20 + i * bw + bw / 2 - 8, h - 12);
    g.fillText(n0(p.requests), 20 + i * bw + 6, h - 34 - bh);
    g.fillStyle = '#aa3377';
    g.beginPath();
    g.arc(20 + i * bw + bw / 2, h - 30 - Math.min(h - 70, (running[i] ?? 0) * 2), 4, 0, 2 * Math.PI);
    g.fill();
  });
}

/** The CDFs of TTFT and E2E over the completed requests (log-scaled time axis). */
function drawCdf(r: ReplayResult): void {
  const c = $<HTMLCanvasElement>('cdf');
  const g = c.getContext('2d') as CanvasRenderingContext2D;
  const [w, h, left, bottom] = [c.width, c.height, 44, 30];
  g.clearRect(0, 0, w, h);
  g.font = '12px sans-serif';
  g.fillStyle = '#222';
  g.fillText('latency CDF of completed requests (share of requests at or below a time)', left, 14);
  const done = (r.perRequest ?? []).filter((x) => x.status === 'completed');
  const series: [string, string, number[]][] = [
    ['TTFT', '#4477aa', done.map((x) => x.ttftMs ?? 0).sort((a, b) => a - b)],
    ['E2E', '#ee7733', done.map((x) => x.e2eMs ?? 0).sort((a, b) => a - b)],
  ];
  const all = series.flatMap(([, , v]) => v).filter((v) => v > 0);
  if (all.length === 0) return;
  const lo = Math.log10(Math.max(1, Math.min(...all)));
  const hi = Math.log10(Math.max(...all)) + 0.05;
  const xOf = (ms: number) => left + ((w - left - 12) * (Math.log10(Math.max(ms, 1)) - lo)) / Math.max(0.1, hi - lo);
  const yOf = (q: number) => h - bottom - (h - bottom - 28) * q;
  g.strokeStyle = '#ccc';
  for (let d = Math.ceil(lo); d <= hi; d++) {
    const x = xOf(10 ** d);
    g.beginPath();
    g.moveTo(x, yOf(0));
    g.lineTo(x, yOf(1));
    g.stroke();
    g.fillText(d >= 3 ? `${n0(10 ** (d - 3))} s` : `${n0(10 ** d)} ms`, x - 12, h - 12);
  }
  for (const q of [0, 0.5, 0.9, 1]) g.fillText(`${q * 100}%`, 6, yOf(q) + 4);
  series.forEach(([name, color, v], k) => {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    v.forEach((ms, i) => (i === 0 ? g.moveTo(xOf(ms), yOf(1 / v.length)) : g.lineTo(xOf(ms), yOf((i + 1) / v.length))));
    g.stroke();
    g.fillStyle = color;
    g.fillRect(w - 150 + k * 70, 6, 10, 10);
    g.fillStyle = '#222';
    g.fillText(name, w - 136 + k * 70, 15);
  });
  g.lineWidth = 1;
}

function settingsText(r: ReplayResult): string {
  const s = r.settings;
  const tier = (t: number | 'unlimited' | null) => (t === null ? 'none' : t === 'unlimited' ? 'unlimited' : n0(t));
  return `${s.workers} workers, block size ${s.blockSize}, G1 ${tier(s.g1Tokens)} / G2 ${tier(s.g2Tokens)} tokens per worker, ${s.eviction}, prefill ${n0(s.prefillTokensPerSecond)} tokens/s, decode ${s.decodeMsPerToken} ms/step`;
}

function summary(r: ReplayResult): void {
  const pct = (a: number) => `${((100 * a) / Math.max(1, r.promptTokens)).toFixed(1)} %`;
  const lat = (x: { p50: number; p90: number; p99: number }) => `p50 ${n0(x.p50)} · p90 ${n0(x.p90)} · p99 ${n0(x.p99)} ms`;
  const rows: [string, string][] = [
    ['settings', `${settingsText(r)}; router ${r.settings.router}`],
    ['requests', `${n0(r.requests)} (${n0(r.completedRequests)} completed, ${n0(r.rejectedRequests)} rejected)`],
    ['prompt tokens', n0(r.promptTokens)],
    ['total hit rate', `${pct(r.g1HitTokens + r.g2HitTokens)} (G1 ${pct(r.g1HitTokens)}, G2 ${pct(r.g2HitTokens)})`],
    ['computed', `${n0(r.computedTokens)} tokens`],
    ['TTFT', lat(r.ttftMs)],
    ['ITL (every gap)', lat(r.itlMs)],
    ['E2E', lat(r.e2eMs)],
    ['throughput', `${r.requestThroughputRps.toFixed(2)} requests/s, ${n0(r.outputThroughputTokS)} output tokens/s`],
    ['onboarded / offloaded blocks', `${n0(r.onboardedBlocks)} / ${n0(r.offloadedBlocks)}`],
    ['evicted blocks (G1, G2)', `${n0(r.g1EvictedBlocks)}, ${n0(r.g2EvictedBlocks)}`],
    ['replay speed', `${n0(r.requestsPerSecond)} requests/s (${r.seconds.toFixed(1)} s)`],
  ];
  $<HTMLTableElement>('summary').innerHTML = rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('');
}

function comparison(results: readonly ReplayResult[]): void {
  const head = ['policy', 'hit rate', 'TTFT p50', 'TTFT p99', 'E2E p50', 'requests/s', 'preemptions'];
  const rows = results.map((r) => [
    r.settings.router,
    `${((100 * (r.g1HitTokens + r.g2HitTokens)) / Math.max(1, r.promptTokens)).toFixed(1)} %`,
    `${n0(r.ttftMs.p50)} ms`,
    `${n0(r.ttftMs.p99)} ms`,
    `${n0(r.e2eMs.p50)} ms`,
    r.requestThroughputRps.toFixed(2),
    n0(r.perWorker.reduce((n, w) => n + w.preemptions, 0)),
  ]);
  const first = results[0];
  $<HTMLTableElement>('comparison').innerHTML =
    (first ? `<caption>${settingsText(first)}</caption>` : '') +
    `<tr>${head.map((x) => `<th>${x}</th>`).join('')}</tr>` +
    rows.map((r) => `<tr>${r.map((x) => `<td>${x}</td>`).join('')}</tr>`).join('');
}

/** The replay in progress, if any, and the clicks so far (the latest one runs). */
let running: Worker | undefined;
let clicks = 0;

/** Every policy, in the order of the router menu. */
const POLICIES = [...$<HTMLSelectElement>('router').options].map((o) => o.value as ReplayPolicy);

/** Runs the form's replay (or, with `compare`, every policy in turn) in a Web Worker. */
async function start(compare?: ReplayPolicy[]): Promise<void> {
  const file = $<HTMLInputElement>('trace').files?.[0];
  if (!file) {
    status.textContent = 'Choose a trace file first.';
    return;
  }
  const limit = Number($<HTMLInputElement>('limit').value);
  const options: ReplayOptions = {
    workers: Number($<HTMLInputElement>('workers').value),
    blockSize: Number($<HTMLInputElement>('blockSize').value),
    g1Tokens: tokens($<HTMLInputElement>('g1').value) ?? 0,
    g2Tokens: tokens($<HTMLInputElement>('g2').value),
    router: $<HTMLSelectElement>('router').value as ReplayPolicy,
    ...(limit > 0 ? { limit } : {}),
  };
  // A replay still running is cancelled: two would share the chart (and halve the speed). The
  // latest click wins, also over one still reading its file.
  const click = ++clicks;
  running?.terminate();
  running = undefined;
  samples.length = 0;
  status.textContent = `Reading ${file.name}…`;
  const text = await file.text();
  if (click !== clicks) return;
  const worker = new Worker(new URL('./replay-worker.js', import.meta.url), { type: 'module' });
  running = worker;
  const finish = () => {
    worker.terminate();
    running = undefined;
  };
  worker.onmessage = (m: MessageEvent) => {
    const data = m.data as { type: string; progress?: ReplayProgress; result?: ReplayResult; results?: ReplayResult[]; message?: string };
    if (data.type === 'progress' && data.progress) {
      const p = data.progress;
      last = p;
      const t = p.totals;
      samples.push({
        done: p.done,
        g1: (100 * t.g1HitTokens) / Math.max(1, t.promptTokens),
        g2: (100 * t.g2HitTokens) / Math.max(1, t.promptTokens),
      });
      status.textContent = `${n0(p.done)} / ${n0(p.total)} requests, trace time ${n0(p.timeMs / 1000)} s`;
      drawHits(p.total);
      drawLoad(
        p.running.map(() => ({ requests: 0 })),
        p.running,
      );
    } else if (data.type === 'status') {
      status.textContent = data.message ?? '';
    } else if (data.type === 'done' && data.result) {
      const r = data.result;
      const hit = ((100 * (r.g1HitTokens + r.g2HitTokens)) / Math.max(1, r.promptTokens)).toFixed(1);
      status.textContent = `Done: ${n0(r.requests)} requests in ${r.seconds.toFixed(1)} s, total hit rate ${hit} %.`;
      drawHits(last?.total ?? r.requests);
      drawLoad(r.perWorker, last?.running ?? []);
      drawCdf(r);
      summary(r);
      (window as unknown as { __replayResult: ReplayResult }).__replayResult = r;
      const w = window as unknown as { __replaysDone?: number };
      w.__replaysDone = (w.__replaysDone ?? 0) + 1;
      finish();
    } else if (data.type === 'compared' && data.results) {
      status.textContent = `Compared ${data.results.length} policies.`;
      comparison(data.results);
      (window as unknown as { __comparison: ReplayResult[] }).__comparison = data.results;
      finish();
    } else if (data.type === 'error') {
      status.textContent = `Failed: ${data.message}`;
      (window as unknown as { __replayError: string }).__replayError = data.message ?? 'error';
      finish();
    }
  };
  worker.postMessage({ text, options, ...(compare ? { compare } : {}) });
}

$<HTMLFormElement>('form').addEventListener('submit', (event) => {
  event.preventDefault();
  void start();
});
$<HTMLButtonElement>('compare').addEventListener('click', () => void start(POLICIES));
