/** Knowledge over HTTP and chat on a real server: the search contract (CONTRACTS §4) and cited answers (§1–2). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestWebhookReply } from '../../server/contracts/chat-protocol.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createKnowledgeRouter } from '../../server/http/knowledge-router.ts';
import { startKnowledgeBase, type KnowledgeService } from '../../server/rag/knowledge-base.ts';
import { MemorySessionStore } from '../../server/session/memory-session-store.ts';
import { ConversationSkill } from '../../server/skills/conversation/conversation-skill.ts';
import { portfolioPlaceholder } from '../fixtures/platform/stand-in-skills.ts';
import { createKnowledgeSkill } from '../../server/skills/knowledge/knowledge-skill.ts';
import { LoanCheckSkill } from '../fixtures/platform/loan-form-skill.ts';
import { rest, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/knowledge');
let work: string;
let t: TestApp;
let knowledge: KnowledgeService;
const store = new MemorySessionStore();

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-kb-http-'));
  const config = loadConfig({}, { knowledge: { dir: FIXTURE, indexDir: path.join(work, 'index'), embedder: 'hashed' } });
  knowledge = startKnowledgeBase(config);
  t = await startTestApp({
    store,
    skills: [new ConversationSkill(), new LoanCheckSkill(), portfolioPlaceholder(), createKnowledgeSkill(config, knowledge)],
    routers: [createKnowledgeRouter({ retriever: knowledge.retriever })],
    ready: knowledge.ready,
  });
});
afterAll(async () => {
  await t?.close();
  await knowledge?.dispose();
  fs.rmSync(work, { recursive: true, force: true });
});

async function search(body: unknown, raw?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${t.url}/api/v1/knowledge/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('POST /api/v1/knowledge/search', () => {
  it('returns [{id, title, text, score}] best first, k of them', async () => {
    const { status, json } = await search({ query: 'how long until my new card arrives?', k: 2 });
    expect(status).toBe(200);
    const hits = json as Array<Record<string, unknown>>;
    expect(hits).toHaveLength(2);
    expect(Object.keys(hits[0]!).sort()).toEqual(['id', 'score', 'text', 'title']);
    expect(hits[0]!.id).toBe('fx-card-delivery');
    expect(hits[0]!.title).toBe('How long does a new card take to arrive?');
    expect(hits[0]!.text).toMatch(/^A new card usually arrives/);
    expect(hits[0]!.score as number).toBeGreaterThanOrEqual(hits[1]!.score as number);
  });

  it('defaults to k = 5 (capped by the number of matching passages)', async () => {
    const { json } = await search({ query: 'card' });
    expect((json as unknown[]).length).toBeGreaterThan(0);
    expect((json as unknown[]).length).toBeLessThanOrEqual(5);
  });

  it.each([
    ['a missing query', {}, 'query'],
    ['an empty query', { query: '   ' }, 'query'],
    ['a non-string query', { query: 42 }, 'query'],
    ['a huge query', { query: 'x'.repeat(5000) }, 'query'],
    ['k = 0', { query: 'card', k: 0 }, 'k'],
    ['a fractional k', { query: 'card', k: 2.5 }, 'k'],
    ['k as a string', { query: 'card', k: '5' }, 'k'],
    ['an unknown filter key', { query: 'card', filter: { colour: 'red' } }, 'filter'],
    ['an array body', [1, 2], 'body'],
  ])('answers 400 with a JSON error naming the field for %s', async (_name, body, field) => {
    const { status, json } = await search(body);
    expect(status).toBe(400);
    const err = (json as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('validation_failed');
    expect(err.message).toContain(field);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const { status, json } = await search(undefined, '{"query": ');
    expect(status).toBe(400);
    expect((json as { error: { code: string } }).error.code).toBe('bad_request');
  });
});

describe('knowledge answers in chat', () => {
  it('answers with one text (with a hand-off button), then a citations element of its own', async () => {
    const { status, json } = await rest(t.url, { sender: `kb-${Date.now()}`, message: 'why do bond prices go down when interest rates rise?' });
    expect(status).toBe(200);
    const replies = json as RestWebhookReply[];
    expect(replies).toHaveLength(2);
    expect(replies[0]!.text).toContain('bonds');
    expect(replies[0]!.text).not.toContain('Source:');
    expect(replies[0]!.custom).toBeUndefined();
    expect(replies[0]!.buttons!.map((b) => b.payload)).toContain('/human_handoff');
    expect(replies[1]).toEqual({
      recipient_id: replies[0]!.recipient_id,
      custom: {
        type: 'citations',
        answerId: expect.any(String),
        sources: [expect.objectContaining({ id: 'fx-bond-prices', title: 'Why bond prices fall when interest rates rise', url: '/kb/fx-bond-prices' })],
      },
    });
  });
});

describe('"Did this help?" feedback', () => {
  const ask = async (sender: string) => {
    const { json } = await rest(t.url, { sender, message: 'why do bond prices go down when interest rates rise?' });
    const cite = (json as RestWebhookReply[]).find((r) => r.custom?.type === 'citations')!;
    return (cite.custom as { answerId: string }).answerId;
  };
  const post = async (sender: string, body: unknown) => {
    const res = await fetch(`${t.url}/api/v1/sessions/${sender}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const feedbackEvents = async (sender: string) => ((await store.get(sender))?.events ?? []).filter((e) => e.type === 'feedback');

  it('records a thumbs-down over HTTP, counts it in /metrics by passage, and offers the next passage', async () => {
    const sender = `fb-http-${Date.now()}`;
    const answerId = await ask(sender);
    const { status, json } = await post(sender, { answerId, helpful: false });
    expect(status).toBe(200);
    expect(json).toMatchObject({ recorded: true, answerId, helpful: false, passageId: 'fx-bond-prices' });
    expect(await feedbackEvents(sender)).toEqual([{ type: 'feedback', at: expect.any(Number), answerId, passageId: 'fx-bond-prices', helpful: false }]);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/moneta_knowledge_feedback_total\{passage="fx-bond-prices",helpful="false"\} 1/);
  });

  it('answers 400 for an unknown answer id or a bad body and changes nothing; 404 for an unknown session', async () => {
    const sender = `fb-bad-${Date.now()}`;
    await ask(sender);
    expect((await post(sender, { answerId: 'not-an-answer', helpful: true })).status).toBe(400);
    expect((await post(sender, { answerId: 'x', helpful: 'yes' })).status).toBe(400);
    expect(await feedbackEvents(sender)).toEqual([]);
    expect((await post(`nobody-${Date.now()}`, { answerId: 'x', helpful: true })).status).toBe(404);
  });

  it('takes the same feedback as a chat message (/feedback{…}) and thanks the customer', async () => {
    const sender = `fb-chat-${Date.now()}`;
    const answerId = await ask(sender);
    const { json } = await rest(t.url, { sender, message: `/feedback${JSON.stringify({ answerId, helpful: true })}` });
    expect((json as RestWebhookReply[])[0]!.text).toMatch(/Thanks/);
    expect(await feedbackEvents(sender)).toEqual([expect.objectContaining({ answerId, helpful: true })]);
  });
});
