/** Operations on a real server: /healthz readiness, /metrics, JSON errors, static files and CORS, graceful shutdown. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotMessage } from '../../server/contracts/chat-protocol.ts';
import { InfeasibleError } from '../../server/errors.ts';
import { ConversationSkill } from '../../server/skills/conversation/conversation-skill.ts';
import { EchoSkill } from '../fixtures/platform/loan-form-skill.ts';
import { connectSocket, requestSession, rest, say, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

describe('/healthz', () => {
  it('says "starting" (503) until dependencies are loaded, then "ok"; chat waits instead of failing', async () => {
    let finishLoading!: () => void;
    const ready = new Promise<void>((resolve) => (finishLoading = resolve));
    const t = await startTestApp({ ready });
    const before = await fetch(`${t.url}/healthz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: 'starting' });
    const early = rest(t.url, { sender: 'early', message: 'hello' });
    finishLoading();
    expect((await early).status).toBe(200);
    const after = await fetch(`${t.url}/healthz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ok' });
    await t.close();
  });

  it('reports "failed" when loading fails, and chat gets a clear error', async () => {
    const t = await startTestApp({ ready: Promise.reject(new Error('model file missing')) });
    await new Promise((r) => setTimeout(r, 10));
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'failed' });
    const chat = await rest(t.url, { sender: 'u', message: 'hello' });
    expect(chat).toEqual({ status: 500, json: { error: { code: 'internal', message: expect.stringMatching(/^Internal error \(request id [0-9a-f-]+\)\.$/) } } });
    await t.close();
  });
});

describe('HTTP surface', () => {
  let t: TestApp;
  let staticRoot: string;
  beforeAll(async () => {
    staticRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-static-'));
    fs.mkdirSync(path.join(staticRoot, 'web', 'dist'), { recursive: true });
    fs.writeFileSync(path.join(staticRoot, 'web', 'dist', 'widget.js'), 'console.log("widget")\n');
    const router = express.Router();
    router.get('/api/v1/test/boom', () => {
      throw new Error('secret internals at /srv/x.ts:12');
    });
    router.post('/api/v1/test/infeasible', () => {
      throw new InfeasibleError('Target return is above the maximum achievable (9.1%).');
    });
    t = await startTestApp({ routers: [router], staticRoot, config: { server: { allowedOrigins: ['https://bank.example'] } } });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(staticRoot, { recursive: true, force: true });
  });

  it('exposes Prometheus metrics: messages by channel, errors by code, stage latency histograms, process metrics', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    await say(socket, id, 'hello', 1);
    await say(socket, id, '', 2);
    await rest(t.url, { sender: 'm1', message: 'thanks' });
    const res = await fetch(`${t.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^moneta_messages_total\{channel="socketio"\} 2$/m);
    expect(text).toMatch(/^moneta_messages_total\{channel="rest"\} 1$/m);
    expect(text).toMatch(/^moneta_errors_total\{code="validation_failed"\} 1$/m);
    for (const stage of ['nlu', 'policy', 'skill', 'turn']) expect(text).toMatch(new RegExp(`^moneta_stage_duration_seconds_count\\{stage="${stage}"\\} [1-9]`, 'm'));
    expect(text).toContain('moneta_process_cpu_user_seconds_total');
    socket.disconnect();
  });

  it('maps MonetaError to its status and unknown errors to a generic 500 with a request id (no stack, no internals)', async () => {
    const infeasible = await fetch(`${t.url}/api/v1/test/infeasible`, { method: 'POST' });
    expect(infeasible.status).toBe(422);
    expect(await infeasible.json()).toEqual({ error: { code: 'infeasible', message: 'Target return is above the maximum achievable (9.1%).' } });
    const boom = await fetch(`${t.url}/api/v1/test/boom`, { headers: { 'x-request-id': 'req-123' } });
    expect(boom.status).toBe(500);
    expect(boom.headers.get('x-request-id')).toBe('req-123');
    const body = await boom.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'internal', message: 'Internal error (request id req-123).' } });
    expect(body).not.toContain('secret');
    // The server log has the details, tied to the request id.
    expect(t.logs.lines.some((l) => l.includes('req-123') && l.includes('secret internals'))).toBe(true);
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await fetch(`${t.url}/api/v1/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No such endpoint: GET /api/v1/nope' } });
  });

  it('serves the widget cross-origin and a friendly 503 for pages not built yet', async () => {
    const widget = await fetch(`${t.url}/widget.js`, { headers: { origin: 'https://bank.example' } });
    expect(widget.status).toBe(200);
    expect(widget.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(widget.headers.get('access-control-allow-origin')).toBe('https://bank.example');
    expect(await widget.text()).toBe('console.log("widget")\n');
    const demo = await fetch(`${t.url}/`);
    expect(demo.status).toBe(503);
    expect(await demo.text()).toContain('demo page is not available yet');
  });

  it('allows only the configured origins (HTTP CORS and the Socket.IO handshake)', async () => {
    const allowed = await fetch(`${t.url}/webhooks/rest/webhook`, { method: 'OPTIONS', headers: { origin: 'https://bank.example', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://bank.example');
    const other = await fetch(`${t.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const polling = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://bank.example' } });
    expect(polling.status).toBe(200);
    expect(polling.headers.get('access-control-allow-origin')).toBe('https://bank.example');
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight turns and delivers their replies; messages after the stop get a clear error, none is lost', async () => {
    const t = await startTestApp({ skills: [new ConversationSkill(), new EchoSkill()] });
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const got: BotMessage[] = [];
    socket.on('bot_uttered', (m) => got.push(m));
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    for (let i = 0; i < 30; i += 1) socket.emit('user_uttered', { message: `/echo{"n": ${i}}`, session_id: id });
    // Close once the first reply arrived: the other turns are queued or running.
    await new Promise<void>((resolve) => socket.once('bot_uttered', () => resolve()));
    await t.close();
    await disconnected;
    // Every message got exactly one answer, in order: its echo, or (after the stop) the "restarting" error pair.
    const answers: string[] = [];
    for (let i = 0; i < got.length; i += 1) {
      const m = got[i]!;
      if ('text' in m && m.text.startsWith('echo ')) answers.push(m.text);
      else {
        expect(m).toEqual({ text: 'Moneta is restarting. Please send your message again in a moment.' });
        expect(got[i + 1]).toEqual({ custom: { type: 'error', code: 'model_not_ready', message: 'Moneta is restarting. Please send your message again in a moment.' } });
        answers.push('restarting');
        i += 1;
      }
    }
    expect(answers).toHaveLength(30);
    const echoed = answers.filter((a) => a !== 'restarting');
    expect(echoed).toEqual(echoed.map((_, i) => `echo ${i}`));
    expect(answers.slice(echoed.length).every((a) => a === 'restarting')).toBe(true);
    expect(t.app.readiness.status).toBe('stopping');
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
  });
});
