#!/usr/bin/env node
// Peers on Node: minisearch, lunr and flexsearch (versions pinned in package.json), all fed the
// same CJK bigram tokenisation (see tokens() below), for bench/search/run.sh (issue 5).
//
//   node peer_node.js --engine minisearch|lunr|flexsearch --corpus corpus.jsonl
//        --queries queries.jsonl --run run.tsv --stats stats.json
//
// Writes the top 100 per query to --run ("query-id<TAB>corpus-id<TAB>rank") for evaluate.py, and
// index throughput and top-10 latency (p50/p99, one query at a time after 20 warm-up queries) to
// --stats. Not thread-safe (one process, one index).
'use strict';

const fs = require('fs');
const path = require('path');

function versionOf(name) {
  const file = path.join(__dirname, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

function parseArgs(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`bad argument ${argv[i]}`);
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['engine', 'corpus', 'queries', 'run', 'stats']) {
    if (!out[k]) throw new Error(`missing --${k}`);
  }
  return out;
}

// The shared tokenisation: NFKC, lower case; every run of Han characters becomes its overlapping
// character bigrams (a one-character run stays a unigram); every run of other letters/digits is
// one token ("5g", "lidar", "risc"); everything else separates.
const kRun = /(\p{Script=Han}+)|((?:(?!\p{Script=Han})[\p{L}\p{N}])+)/gu;
function tokens(text) {
  const out = [];
  const s = String(text || '').normalize('NFKC').toLowerCase();
  for (const m of s.matchAll(kRun)) {
    if (m[1]) {
      const chars = Array.from(m[1]);
      if (chars.length === 1) out.push(chars[0]);
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
    } else {
      out.push(m[2]);
    }
  }
  return out;
}

// Reads a JSON-lines file synchronously in chunks (the corpus can exceed V8's string limit).
function* readJsonl(path) {
  const fd = fs.openSync(path, 'r');
  const buf = Buffer.alloc(1 << 22);
  let rest = Buffer.alloc(0);
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    const chunk = n > 0 ? Buffer.concat([rest, buf.subarray(0, n)]) : rest;
    let start = 0;
    for (let i = chunk.indexOf(10, start); i >= 0; i = chunk.indexOf(10, start)) {
      const line = chunk.toString('utf8', start, i);
      start = i + 1;
      if (line.trim()) yield JSON.parse(line);
    }
    rest = Buffer.from(chunk.subarray(start));
    if (n <= 0) break;
  }
  if (rest.length && rest.toString('utf8').trim()) yield JSON.parse(rest.toString('utf8'));
  fs.closeSync(fd);
}

function minisearchEngine() {
  const MiniSearch = require('minisearch');
  const version = versionOf('minisearch');
  const ms = new MiniSearch({
    fields: ['title', 'text'],
    idField: 'id',
    tokenize: tokens,
    processTerm: (t) => t,
    searchOptions: { boost: { title: 2 }, combineWith: 'OR', tokenize: tokens, processTerm: (t) => t },
  });
  return {
    config: `minisearch ${version}; custom tokenize = CJK bigrams, processTerm identity, ` +
      'fields title (boost 2) + text, combineWith OR, BM25+ (its default scoring)',
    fullRanking: true,
    add: (d) => ms.add({ id: d._id, title: d.title || '', text: d.text || '' }),
    finish: () => {},
    search: (q, k) => ms.search(q).slice(0, k).map((r) => r.id),
  };
}

function lunrEngine() {
  const lunr = require('lunr');
  const version = versionOf('lunr');
  // A bare Builder: empty pipelines (lunr's default trimmer strips non-ASCII characters and its
  // stemmer/stop words are English), our bigram tokenizer instead of lunr.tokenizer.
  const builder = new lunr.Builder();
  builder.tokenizer = (obj, metadata) =>
    tokens(obj).map((t, i) => new lunr.Token(t, Object.assign({ position: [i, 1], index: i }, metadata)));
  builder.ref('id');
  builder.field('title', { boost: 2 });
  builder.field('text');
  let index = null;
  return {
    config: `lunr ${version}; lunr.Builder with custom tokenizer = CJK bigrams, empty pipelines ` +
      '(no trimmer/stemmer/stop words), fields title (boost 2) + text, every query token an ' +
      'OPTIONAL term without pipeline, BM25 (its default scoring)',
    fullRanking: true,
    add: (d) => builder.add({ id: d._id, title: d.title || '', text: d.text || '' }),
    finish: () => { index = builder.build(); },
    search: (q, k) => {
      const toks = [...new Set(tokens(q))];
      if (!toks.length) return [];
      return index.query((query) => {
        for (const t of toks) {
          query.term(t, { usePipeline: false, presence: lunr.Query.presence.OPTIONAL });
        }
      }).slice(0, k).map((r) => r.ref);
    },
  };
}

function flexsearchEngine() {
  const { Index, Encoder } = require('flexsearch');
  const version = versionOf('flexsearch');
  // Our bigrams joined by spaces in prepare(), split on spaces; no normalisation, letter dedupe or
  // numeric splitting (those would change the tokens).
  const encoder = new Encoder({
    normalize: false,
    dedupe: false,
    numeric: false,
    split: /\s+/,
    prepare: (s) => tokens(s).join(' '),
  });
  const index = new Index({ tokenize: 'strict', encoder });
  return {
    config: `flexsearch ${version}; Index tokenize "strict" with an Encoder whose prepare() emits ` +
      'CJK bigrams (normalize/dedupe/numeric off), title + text as one string, search with ' +
      'suggest: true (partial matches; without it a query needs every bigram), its default ' +
      'resolution-based ranking',
    add: (d) => index.add(d._id, `${d.title || ''}\n${d.text || ''}`),
    finish: () => {},
    search: (q, k) => index.search(q, { limit: k, suggest: true }),
  };
}

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

function main() {
  const args = parseArgs(process.argv);
  const make = { minisearch: minisearchEngine, lunr: lunrEngine, flexsearch: flexsearchEngine }[args.engine];
  if (!make) throw new Error(`unknown engine ${args.engine}`);
  const engine = make();
  const t0 = process.hrtime.bigint();
  let docs = 0;
  for (const d of readJsonl(args.corpus)) {
    engine.add(d);
    if (++docs % 10000 === 0) {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stderr.write(`progress: indexed ${docs} docs in ${s.toFixed(1)} s\n`);
    }
  }
  engine.finish();
  const indexS = Number(process.hrtime.bigint() - t0) / 1e9;
  const queries = [...readJsonl(args.queries)];
  const errors = [];
  for (const q of queries.slice(0, 20)) {
    try { engine.search(q.text, 10); } catch (e) { /* counted below */ }
  }
  // minisearch and lunr rank every match whatever k is, so their timed top-10 pass also yields
  // the top 100; flexsearch stops at the limit, so it gets a second, untimed top-100 pass.
  const lat = [];
  const ranked = new Map();
  for (const q of queries) {
    const t = process.hrtime.bigint();
    try {
      const ids = engine.search(q.text, engine.fullRanking ? 100 : 10);
      if (engine.fullRanking) ranked.set(q._id, ids);
    } catch (e) {
      errors.push(`${q._id}: ${e.message}`);
    }
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const out = fs.openSync(args.run, 'w');
  for (const q of queries) {
    let ids = ranked.get(q._id) || [];
    if (!engine.fullRanking) {
      try { ids = engine.search(q.text, 100); } catch (e) { /* counted above */ }
    }
    const lines = ids.map((id, i) => `${q._id}\t${id}\t${i + 1}\n`).join('');
    if (lines) fs.writeSync(out, lines);
  }
  fs.closeSync(out);
  const r3 = (x) => Math.round(x * 1000) / 1000;
  fs.writeFileSync(args.stats, JSON.stringify({
    peer: args.engine, config: engine.config, docs, index_s: r3(indexS),
    docs_per_s: indexS > 0 ? Math.round((docs / indexS) * 10) / 10 : null,
    queries: queries.length, p50_ms: r3(percentile(lat, 50)), p99_ms: r3(percentile(lat, 99)),
    query_errors: errors.length, query_error_examples: errors.slice(0, 3),
    node: process.version,
  }));
}

if (require.main === module) main();
module.exports = { tokens };
