/**
 * Issue 10 ("move model inference off the event loop"): the NLU encoder, the retrieval encoder and the cross-encoder
 * run their forward passes in the inference pool (server/workers/model-session.ts). What a customer cares about:
 * - the answers are the same: the offloaded models give the same probabilities, vectors and logits as in-thread ones;
 * - other conversations are not held up: while a long inference runs, the event loop still answers timers at once;
 * - a model folder that cannot load fails start-up with a clear error, not the first customer's turn.
 * Real models, real worker threads (no mocks).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransformerIntentModel } from '../../server/nlu/transformer-intent-model.ts';
import { TransformerCrossEncoderReranker } from '../../server/rag/reranker.ts';
import { createWorkerPool, type WorkerPool } from '../../server/workers/pool.ts';
import { startMoneta, type TestServer } from '../e2e/support/moneta-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const INTENT = path.join(ROOT, 'models', 'intent');
const RETRIEVAL = path.join(ROOT, 'models', 'retrieval');
const RERANKER = path.join(ROOT, 'models', 'reranker');

const MESSAGES = ['my transfr didnt go thru?? its been 3 days', 'how do I activate my new card', 'whats the diffrence between a stock and a bond', 'yup'];

/** The largest delay of a 5 ms timer while `work` runs: how long the event loop was held. */
async function maxTimerLagMs(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return worst;
}

describe('model inference in the inference pool', () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = createWorkerPool({ threads: 1, taskTimeoutMs: 20_000, maxQueue: 64, maxMemoryMb: 1024, keepAlive: true });
    await pool.warmUp();
  }, 60_000);
  afterAll(async () => {
    await pool?.close();
  });

  it('gives the same intent probabilities and sentence vectors as the model in this thread', async () => {
    const local = await TransformerIntentModel.load(INTENT);
    const remote = await TransformerIntentModel.load(INTENT, { offload: pool });
    expect(local.offloaded).toBe(false);
    expect(remote.offloaded).toBe(true);
    expect(remote.labels).toEqual(local.labels);
    expect(remote.contentHash).toBe(local.contentHash);
    const [a, b] = await Promise.all([local.encode(MESSAGES), remote.encode(MESSAGES)]);
    for (let i = 0; i < MESSAGES.length; i++) {
      const top = (p: Float32Array): number => p.indexOf(Math.max(...p));
      expect(top(b[i]!.probabilities)).toBe(top(a[i]!.probabilities));
      a[i]!.probabilities.forEach((p, j) => expect(b[i]!.probabilities[j]).toBeCloseTo(p, 6));
      a[i]!.embedding!.forEach((v, j) => expect(b[i]!.embedding![j]).toBeCloseTo(v, 6));
    }
    await local.dispose();
    await remote.dispose();
  });

  it('gives the same retrieval vectors and reranker logits', async () => {
    const local = await TransformerIntentModel.load(RETRIEVAL);
    const remote = await TransformerIntentModel.load(RETRIEVAL, { offload: pool });
    const [a, b] = await Promise.all([local.encode(MESSAGES), remote.encode(MESSAGES)]);
    a.forEach((e, i) => e.embedding!.forEach((v, j) => expect(b[i]!.embedding![j]).toBeCloseTo(v, 6)));

    const localReranker = await TransformerCrossEncoderReranker.load(RERANKER, { dtype: 'q8' });
    const remoteReranker = await TransformerCrossEncoderReranker.load(RERANKER, { dtype: 'q8', offload: pool });
    expect(remoteReranker.modelId).toBe(localReranker.modelId);
    const candidates = [
      { id: 'a', title: 'Activate your card', text: 'Open the app, go to Cards and tap Activate. The card works at once.' },
      { id: 'b', title: 'Card activation problems', text: 'If activation fails, check the last four digits and try again.' },
      { id: 'c', title: 'Stocks and bonds', text: 'A stock is a share of a company; a bond is a loan to a company or government.' },
    ];
    const [la, ra] = await Promise.all([localReranker.rerank(MESSAGES[1]!, candidates), remoteReranker.rerank(MESSAGES[1]!, candidates)]);
    la.forEach((v, i) => expect(ra[i]).toBeCloseTo(v, 5));
    await Promise.all([local.dispose(), remote.dispose(), localReranker.dispose(), remoteReranker.dispose()]);
  });

  it('keeps the event loop free while a long inference runs (it is held for the whole pass in this thread)', async () => {
    // 512 long messages: several hundred milliseconds of forward passes either way.
    const long = Array.from({ length: 512 }, (_, i) => `message ${i}: ${'I would like to know why my international transfer has not arrived after three working days '.repeat(3)}`);
    const local = await TransformerIntentModel.load(INTENT, { maxBatchSize: 256 });
    const remote = await TransformerIntentModel.load(INTENT, { maxBatchSize: 256, offload: pool });
    const lagLocal = await maxTimerLagMs(() => local.encode(long));
    const lagRemote = await maxTimerLagMs(() => remote.encode(long.map((m) => `${m}.`)));
    // In this thread one batch of 256 holds the loop for its whole forward pass; offloaded, the loop only copies
    // the tensors in and out.
    expect(lagLocal).toBeGreaterThan(150);
    expect(lagRemote).toBeLessThan(lagLocal / 3);
    await local.dispose();
    await remote.dispose();
  });

  it('embeds a batch (building the knowledge index) past the per-turn budget, which only bounds one message', async () => {
    // A pool whose per-task budget (queue wait included) is far shorter than embedding 64 long texts takes.
    const strict = createWorkerPool({ threads: 1, taskTimeoutMs: 25, maxQueue: 64, maxMemoryMb: 1024, keepAlive: true });
    try {
      await strict.warmUp();
      const model = await TransformerIntentModel.load(RETRIEVAL, { offload: strict, maxBatchSize: 64 });
      const texts = Array.from({ length: 64 }, (_, i) => `passage ${i}: ${'Cards ordered in the app arrive within five working days; track the delivery under Cards. '.repeat(4)}`);
      const t0 = performance.now();
      const out = await model.encode(texts);
      const elapsed = performance.now() - t0;
      expect(out).toHaveLength(64);
      expect(out.every((e) => e.embedding?.length === out[0]!.embedding!.length)).toBe(true);
      // Meaningful only if the batch really outlasted the per-task budget.
      expect(elapsed).toBeGreaterThan(25);
    } finally {
      await strict.close();
    }
  });

  it('fails loading at once, with the folder named, when the worker cannot load the model', async () => {
    // Every file present, but the ONNX graph is not one (a truncated copy).
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-broken-model-'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(INTENT, f), path.join(broken, f));
    fs.mkdirSync(path.join(broken, 'onnx'));
    fs.writeFileSync(path.join(broken, 'onnx', 'model.onnx'), fs.readFileSync(path.join(INTENT, 'onnx', 'model.onnx')).subarray(0, 4096));
    try {
      await expect(TransformerIntentModel.load(broken, { offload: pool })).rejects.toThrow(new RegExp(`Could not load.*${path.basename(broken)}`));
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
    // The pool is still usable afterwards.
    const model = await TransformerIntentModel.load(INTENT, { offload: pool });
    const [out] = await model.encode(['where is my card']);
    expect(out!.probabilities.length).toBe(model.labels.length);
  });
});

describe('the server with MONETA_INFERENCE_OFFLOAD=on', () => {
  let offloaded: TestServer;
  let inThread: TestServer;
  beforeAll(async () => {
    // One index build (when the checkout has none yet), shared by both servers.
    inThread = await startMoneta({ config: { inference: { offload: 'off' } } });
    offloaded = await startMoneta({ config: { inference: { offload: 'on' }, knowledge: { indexDir: path.join(inThread.dataDir, 'knowledge-index') } } });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([offloaded?.close(), inThread?.close()]);
  });

  /** The bot's replies to a conversation over the REST channel, with the per-answer random id masked. */
  async function conversation(server: TestServer, sender: string, messages: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const message of messages) {
      const res = await fetch(`${server.url}/webhooks/rest/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender, message }) });
      expect(res.status).toBe(200);
      out.push(JSON.stringify(await res.json(), (key, value: unknown) => (key === 'answerId' ? '*' : value)));
    }
    return out;
  }

  it('answers a conversation exactly as the server with inference in the event-loop thread does', async () => {
    const messages = ['hi', 'my transfr didnt go thru?? its been 3 days', 'how do I freeze my card', 'what is an ETF?', 'how risky am I as a borrower?', 'cancel', 'thanks'];
    const [a, b] = await Promise.all([conversation(offloaded, 'offload-same-sender', messages), conversation(inThread, 'offload-same-sender', messages)]);
    expect(a).toEqual(b);
    // The knowledge answers are real answers with sources, not fallbacks.
    expect(a[3]).toMatch(/ETF|exchange-traded/i);
  });
});
