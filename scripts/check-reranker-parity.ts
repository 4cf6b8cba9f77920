// Checks that the served cross-encoder (server/rag/reranker.ts over transformers.js) reproduces the trainer's pair ids
// and logits (models/reranker/reference.json, written by torch): prints {pairs, maxLogitDiff, idsEqual} as JSON and
// exits 1 when an id differs or a logit is off by more than 1e-3. Usage: tsx scripts/check-reranker-parity.ts [dir]
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../server/config/index.ts';
import { TransformerCrossEncoderReranker } from '../server/rag/reranker.ts';

interface ReferencePair {
  query: string;
  id: string;
  title: string;
  doc: string;
  ids: number[];
  types: number[];
  logit: number;
}

const dir = path.resolve(process.argv[2] ?? path.join(PROJECT_ROOT, 'models', 'reranker'));
const { pairs } = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as { pairs: ReferencePair[] };
const reranker = await TransformerCrossEncoderReranker.load(dir);
let maxDiff = 0;
let idsEqual = 0;
try {
  for (const r of pairs) {
    // The reference stores the passage text already built (title + lead); pass it as a body-less candidate's title.
    const candidate = { id: r.id, title: r.doc, text: '' };
    const built = reranker.pairIds(r.query, candidate);
    if (JSON.stringify(built.ids) === JSON.stringify(r.ids) && JSON.stringify(built.types) === JSON.stringify(r.types)) idsEqual++;
    else process.stderr.write(`ids differ for ${JSON.stringify(r.query.slice(0, 60))} / ${r.id}\n`);
    const [logit] = await reranker.rerank(r.query, [candidate]);
    maxDiff = Math.max(maxDiff, Math.abs(logit! - r.logit));
  }
  // A padded batch must give each row's single-pair logit.
  const batch = pairs.slice(0, 6);
  const batched = await reranker.rerank(batch[0]!.query, batch.map((r) => ({ id: r.id, title: r.doc, text: '' })));
  for (let i = 0; i < batch.length; i++) {
    const [single] = await reranker.rerank(batch[0]!.query, [{ id: batch[i]!.id, title: batch[i]!.doc, text: '' }]);
    maxDiff = Math.max(maxDiff, Math.abs(batched[i]! - single!));
  }
} finally {
  await reranker.dispose();
}
const result = { pairs: pairs.length, idsEqual, maxLogitDiff: Number(maxDiff.toExponential(2)) };
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(idsEqual === pairs.length && maxDiff <= 1e-3 ? 0 : 1);
