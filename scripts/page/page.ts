// The replay page: reads the form, runs the replay in a module Web Worker, and draws the hit
// rate over time per tier and the per-worker load as progress comes in.
import type { ReplayOptions, ReplayProgress, ReplayResult } from 'kvbm-sequence';

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
    const bh = ((h - 60) * p.requests) / max;
    g.fillStyle = '#66aa55';
    g.fillRect(20 + i * bw + 4, h - 30 - bh, bw - 8, bh);
    g.fillStyle = '#222';
    g.fillText(`w${i}`, 20 + i * bw + bw / 2 - 8, h - 12);
    g.fillText(String(p.requests), 20 + i * bw + 6, h - 34 - bh);
    g.fillStyle = '#aa3377';
    g.beginPath();
    g.arc(20 + i * bw + bw / 2, h - 30 - Math.min(h - 60, (running[i] ?? 0) * 8), 4, 0, 2 * Math.PI);
    g.fill();
  });
}

function summary(r: ReplayResult): void {
  const pct = (a: number) => `${((100 * a) / Math.max(1, r.promptTokens)).toFixed(1)} %`;
  const rows: [string, string][] = [
    ['requests', `${r.requests} (${r.rejectedRequests} rejected)`],
    ['prompt tokens', r.promptTokens.toLocaleString('en-US')],
    ['hit in G1', `${r.g1HitTokens.toLocaleString('en-US')} tokens, ${pct(r.g1HitTokens)}`],
    ['hit in G2 (onboarded)', `${r.g2HitTokens.toLocaleString('en-US')} tokens, ${pct(r.g2HitTokens)}`],
    ['computed', `${r.computedTokens.toLocaleString('en-US')} tokens`],
    ['onboarded / offloaded blocks', `${r.onboardedBlocks} / ${r.offloadedBlocks}`],
    ['evicted blocks (G1, G2)', `${r.g1EvictedBlocks}, ${r.g2EvictedBlocks}`],
    ['TTFT p50 / p99', `${Math.round(r.ttftMs.p50).toLocaleString('en-US')} / ${Math.round(r.ttftMs.p99).toLocaleString('en-US')} ms`],
    ['replay speed', `${Math.round(r.requestsPerSecond).toLocaleString('en-US')} requests/s`],
  ];
  $<HTMLTableElement>('summary').innerHTML = rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('');
}

/** The replay in progress, if any, and the clicks so far (the latest one runs). */
let running: Worker | undefined;
let clicks = 0;

$<HTMLFormElement>('form').addEventListener('submit', async (event) => {
  event.preventDefault();
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
    router: $<HTMLSelectElement>('router').value as 'kv' | 'round-robin',
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
  worker.onmessage = (m: MessageEvent) => {
    const data = m.data as { type: string; progress?: ReplayProgress; result?: ReplayResult; message?: string };
    if (data.type === 'progress' && data.progress) {
      const p = data.progress;
      last = p;
      const t = p.totals;
      samples.push({
        done: p.done,
        g1: (100 * t.g1HitTokens) / Math.max(1, t.promptTokens),
        g2: (100 * t.g2HitTokens) / Math.max(1, t.promptTokens),
      });
      status.textContent = `${p.done} / ${p.total} requests, trace time ${(p.timeMs / 1000).toFixed(0)} s`;
      drawHits(p.total);
      drawLoad(
        p.running.map(() => ({ requests: 0 })),
        p.running,
      );
    } else if (data.type === 'done' && data.result) {
      const r = data.result;
      status.textContent = `Done: ${r.requests} requests in ${r.seconds.toFixed(1)} s.`;
      drawHits(last?.total ?? r.requests);
      drawLoad(r.perWorker, last?.running ?? []);
      summary(r);
      (window as unknown as { __replayResult: ReplayResult }).__replayResult = r;
      const w = window as unknown as { __replaysDone?: number };
      w.__replaysDone = (w.__replaysDone ?? 0) + 1;
      worker.terminate();
      running = undefined;
    } else if (data.type === 'error') {
      status.textContent = `Failed: ${data.message}`;
      (window as unknown as { __replayError: string }).__replayError = data.message ?? 'error';
      worker.terminate();
      running = undefined;
    }
  };
  worker.postMessage({ text, options });
});
