/** Hand-off transcript and webhook client, against real local HTTP servers. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookHandoffNotifier, buildTranscript, maskPhone, redactCallbackUtterance } from '../../../../server/dialogue/handoff.ts';
import { parseTrigger } from '../../../../server/nlu/trigger-parser.ts';
import type { SessionEvent } from '../../../../server/session/types.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('call-back phone numbers at rest', () => {
  it('masks the number to its last four digits in the stored text and entities, however it was spelt', () => {
    expect(maskPhone('+49 (170) 123-4567')).toBe('••••4567');
    const text = '/callback_request{"phone":"+49 (170) 123-4567","time":"morning","consent":true}';
    const parse = parseTrigger(text)!;
    const stored = redactCallbackUtterance(text, parse);
    expect(stored.text).toBe('/callback_request{"phone":"••••4567","time":"morning","consent":true}');
    expect(stored.parse.text).toBe(stored.text);
    expect(stored.parse.entities.find((e) => e.entity === 'phone')!.value).toBe('••••4567');
    expect(JSON.stringify(stored)).not.toMatch(/170|123/);
    // The parse the skill works on is not changed.
    expect(parse.entities.find((e) => e.entity === 'phone')!.value).toBe('+49 (170) 123-4567');
  });

  it('leaves other messages alone, and drops a malformed call-back payload whole', () => {
    const other = parseTrigger('/portfolio_advice{"amount":"20000"}')!;
    expect(redactCallbackUtterance('/portfolio_advice{"amount":"20000"}', other)).toEqual({ text: '/portfolio_advice{"amount":"20000"}', parse: other });
    const broken = '/callback_request{"phone": +49 170 1234567';
    expect(redactCallbackUtterance(broken, parseTrigger(broken)!).text).toBe('/callback_request{}');
  });
});

describe('buildTranscript', () => {
  it('keeps user and bot lines in order, notes rich content, leaves out form widgets and error payloads', () => {
    const events: SessionEvent[] = [
      { type: 'session_started', at: 1 },
      { type: 'user_uttered', at: 2, text: 'what is an ETF?' },
      { type: 'bot_uttered', at: 3, message: { text: 'An ETF is…' } },
      { type: 'bot_uttered', at: 3, message: { custom: { type: 'citations', sources: [] } } },
      { type: 'bot_uttered', at: 3, message: { custom: { type: 'form_question', form: 'f', slot: 's', input: { type: 'text' } } } },
      { type: 'bot_uttered', at: 4, message: { custom: { type: 'error', code: 'x', message: 'y' } } },
      { type: 'slot_set', at: 5, name: 'a', value: 1 },
    ];
    expect(buildTranscript(events)).toEqual([
      { from: 'user', text: 'what is an ETF?', at: 2 },
      { from: 'bot', text: 'An ETF is…', at: 3 },
      { from: 'bot', text: '[citations]', at: 3 },
    ]);
  });
});

describe('WebhookHandoffNotifier', () => {
  const request = { sessionId: 's', reason: 'user_request', at: 1, transcript: [] };

  it('POSTs JSON and succeeds on 2xx', async () => {
    let body = '';
    let type = '';
    const url = await serve((req, res) => {
      type = req.headers['content-type'] ?? '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(204).end());
    });
    await new WebhookHandoffNotifier({ url }).notify(request);
    expect(type).toBe('application/json');
    expect(JSON.parse(body)).toEqual(request);
  });

  it('fails on a non-2xx answer, and on a receiver that does not answer in time', async () => {
    const down = await serve((_req, res) => res.writeHead(503).end());
    await expect(new WebhookHandoffNotifier({ url: down }).notify(request)).rejects.toThrow('HTTP 503');
    const silent = await serve(() => undefined);
    const started = Date.now();
    await expect(new WebhookHandoffNotifier({ url: silent, timeoutMs: 150 }).notify(request)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
