// A plain reference model of the router index (SPEC §6.3), written from the SPEC with Maps and
// strings, sharing no code with the library: a node is the string of its path of local hashes.

export type Result = 'ok' | 'duplicate' | 'ParentBlockNotFound' | 'InvalidBlockSequence' | 'BlockNotFound';

export interface ModelEvent {
  type: 'stored' | 'removed' | 'cleared';
  workerId: bigint;
  dpRank: number;
  parentHash?: bigint | null;
  blocks?: { blockHash: bigint; tokensHash: bigint }[];
  blockHashes?: bigint[];
}

const key = (id: bigint, dp: number): string => `${id}:${dp}`;
const child = (path: string, h: bigint): string => (path === '' ? `${h}` : `${path}/${h}`);
const under = (path: string, p: string): boolean => p === '' || path === p || path.startsWith(`${p}/`);

export class IndexModel {
  /** worker key → (block hash → path). */
  lookup = new Map<string, Map<bigint, string>>();
  /** path → (worker key → block hash). */
  nodes = new Map<string, Map<string, bigint>>();
  /** worker key → (path → expiry). */
  expiry = new Map<string, Map<string, number>>();
  workers = new Map<string, { workerId: bigint; dpRank: number }>();
  now = -Infinity;

  constructor(readonly ttl?: number) {}

  private hold(w: string, path: string, hash: bigint, expires: number): void {
    if (!this.lookup.has(w)) this.lookup.set(w, new Map());
    if (!this.nodes.has(path)) this.nodes.set(path, new Map());
    if (!this.expiry.has(w)) this.expiry.set(w, new Map());
    this.lookup.get(w)!.set(hash, path);
    this.nodes.get(path)!.set(w, hash);
    const e = this.expiry.get(w)!;
    e.set(path, Math.max(e.get(path) ?? -Infinity, expires));
  }

  private drop(w: string, p: string): void {
    const l = this.lookup.get(w);
    if (!l) return;
    for (const [h, path] of [...l]) {
      if (!under(path, p)) continue;
      l.delete(h);
      this.expiry.get(w)?.delete(path);
      const n = this.nodes.get(path)!;
      n.delete(w);
      if (n.size === 0) this.nodes.delete(path);
    }
    if (l.size === 0) {
      this.lookup.delete(w);
      this.expiry.delete(w);
      this.workers.delete(w);
    }
  }

  apply(e: ModelEvent, expires = Infinity, refresh = false): Result {
    const w = key(e.workerId, e.dpRank);
    const l = this.lookup.get(w) ?? new Map<bigint, string>();
    if (e.type === 'cleared') {
      this.drop(w, '');
      for (const path of [...l.values()]) this.drop(w, path);
      return 'ok';
    }
    if (e.type === 'removed') {
      const hashes = e.blockHashes ?? [];
      const unknown = hashes.some((h) => !l.has(h));
      for (const h of hashes) {
        const p = this.lookup.get(w)?.get(h);
        if (p !== undefined) this.drop(w, p);
      }
      return unknown ? 'BlockNotFound' : 'ok';
    }
    const parent = e.parentHash ?? null;
    let path = '';
    if (parent !== null) {
      const p = l.get(parent);
      if (p === undefined) return 'ParentBlockNotFound';
      path = p;
    }
    const seen = new Set<bigint>();
    let fresh = 0;
    const plan: [string, bigint][] = [];
    for (const b of e.blocks ?? []) {
      if (b.blockHash === parent || seen.has(b.blockHash)) return 'InvalidBlockSequence';
      seen.add(b.blockHash);
      path = child(path, b.tokensHash);
      const known = l.get(b.blockHash);
      const held = this.nodes.get(path)?.get(w);
      if (known === path && held === b.blockHash) {
        // already held
      } else if (known === undefined && held === undefined) {
        fresh += 1;
      } else {
        return 'InvalidBlockSequence';
      }
      plan.push([path, b.blockHash]);
    }
    if (fresh === 0 && !refresh) return 'duplicate';
    this.workers.set(w, { workerId: e.workerId, dpRank: e.dpRank });
    for (const [p, h] of plan) this.hold(w, p, h, expires);
    return 'ok';
  }

  removeWorker(id: bigint): void {
    for (const [w, v] of [...this.workers]) if (v.workerId === id) this.drop(w, '');
  }

  clear(): void {
    this.lookup.clear();
    this.nodes.clear();
    this.expiry.clear();
    this.workers.clear();
  }

  record(workerId: bigint, dpRank: number, local: bigint[], chained: bigint[], now: number): void {
    this.advance(now);
    const blocks = local.map((h, i) => ({ blockHash: chained[i] as bigint, tokensHash: h }));
    this.apply({ type: 'stored', workerId, dpRank, parentHash: null, blocks }, this.now + (this.ttl ?? 0), true);
  }

  advance(now: number): void {
    if (now > this.now) this.now = now;
    for (const [w, e] of [...this.expiry]) {
      for (const [path, at] of [...e]) if (at <= this.now && this.lookup.get(w)) this.drop(w, path);
    }
  }

  get size(): number {
    let n = 0;
    for (const l of this.lookup.values()) n += l.size;
    return n;
  }

  treeSizes(): { workerId: bigint; dpRank: number; blocks: number }[] {
    return [...this.workers.entries()]
      .map(([w, v]) => ({ ...v, blocks: this.lookup.get(w)?.size ?? 0 }))
      .filter((x) => x.blocks > 0)
      .sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : a.dpRank - b.dpRank));
  }

  findMatches(query: bigint[], earlyExit: boolean) {
    const holders = (path: string): string[] => [...(this.nodes.get(path)?.keys() ?? [])];
    const scores = new Map<string, number>();
    const frequencies: number[] = [];
    let path = '';
    let active: string[] = [];
    let depth = 0;
    for (let d = 0; d < query.length; d++) {
      path = child(path, query[d] as bigint);
      if (!this.nodes.has(path)) break;
      const here = holders(path);
      const next = d === 0 ? here : active.filter((w) => here.includes(w));
      for (const w of active) if (!next.includes(w)) scores.set(w, depth);
      active = next;
      if (active.length === 0) break;
      depth = d + 1;
      frequencies.push(active.length);
      if (earlyExit && active.length === 1) break;
    }
    for (const w of active) scores.set(w, depth);
    const out = [...scores.entries()].map(([w, blocks]) => {
      const v = this.workers.get(w)!;
      return { workerId: v.workerId, dpRank: v.dpRank, blocks, treeSize: this.lookup.get(w)?.size ?? 0 };
    });
    out.sort((a, b) =>
      b.blocks !== a.blocks ? b.blocks - a.blocks : a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : a.dpRank - b.dpRank,
    );
    return { scores: out, frequencies };
  }
}
