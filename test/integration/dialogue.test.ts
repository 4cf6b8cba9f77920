/** Dialogue features end to end over Socket.IO: a full form, hand-off with a real webhook receiver, failing skills, private logs. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookHandoffNotifier, type HandoffRequest } from '../../server/dialogue/handoff.ts';
import { TEXTS } from '../../server/response/templates.ts';
import { MemorySessionStore } from '../../server/session/memory-session-store.ts';
import { ConversationSkill } from '../../server/skills/conversation/conversation-skill.ts';
import { CallbackRequestSkill } from '../../server/skills/handoff/callback-skill.ts';
import { BrokenSkill, LoanCheckSkill } from '../fixtures/platform/loan-form-skill.ts';
import { connectSocket, defaultTestSkills, publicId, requestSession, say, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

describe('a form over Socket.IO', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ logLevel: 'debug' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs the questionnaire: why, invalid answer, correction, quick reply payload, conditional question, result', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    expect(await say(socket, id, 'I would like to check my credit risk', 3)).toEqual([
      { text: "Let's check a loan. I'll ask four short questions." },
      { text: 'How much would you like to borrow?' },
      { custom: { type: 'form_question', form: 'loan_check', slot: 'amount', input: { type: 'number', min: 100, max: 100_000, unit: 'EUR' }, step: 1, total: 3 } },
    ]);
    expect(await say(socket, id, 'why do you ask?', 3)).toMatchObject([{ text: 'The amount changes how risky the loan is.' }, { text: 'How much would you like to borrow?' }, { custom: { slot: 'amount' } }]);
    expect(await say(socket, id, 'a lot', 3)).toMatchObject([{ text: 'I need a number between 100 and 100,000 EUR here.' }, { text: 'How much would you like to borrow?' }, { custom: { slot: 'amount' } }]);
    expect(await say(socket, id, '€15k', 2)).toMatchObject([{ text: 'Over how many months?' }, { custom: { slot: 'duration', step: 2, total: 4 } }]);
    expect(await say(socket, id, '3 years', 2)).toEqual([
      {
        text: 'Do you own your home, rent, or live for free?',
        quick_replies: [
          { content_type: 'text', title: 'Own', payload: 'own' },
          { content_type: 'text', title: 'Rent', payload: 'rent' },
          { content_type: 'text', title: 'Live for free', payload: 'free' },
        ],
      },
      {
        custom: {
          type: 'form_question',
          form: 'loan_check',
          slot: 'housing',
          input: { type: 'choice', options: [{ title: 'Own', payload: 'own' }, { title: 'Rent', payload: 'rent' }, { title: 'Live for free', payload: 'free' }] },
          step: 3,
          total: 4,
        },
      },
    ]);
    expect(await say(socket, id, 'actually, make the duration 24 months', 3)).toMatchObject([
      { text: "Got it: I've changed the duration to 24 months." },
      { text: 'Do you own your home, rent, or live for free?' },
      { custom: { slot: 'housing' } },
    ]);
    expect(await say(socket, id, 'rent', 2)).toMatchObject([{ text: 'Do you have a guarantor?' }, { custom: { slot: 'guarantor', input: { type: 'choice' } } }]);
    expect(await say(socket, id, 'yes', 2)).toEqual([
      { text: 'Thanks. Loan of 15000 EUR over 24 months, housing: rent.' },
      { custom: { type: 'loan_summary', slots: { amount: 15_000, duration: 24, housing: 'rent', guarantor: true } } },
    ]);
    // After the form, "yes" is an ordinary affirm again.
    expect(await say(socket, id, 'yes', 1)).toMatchObject([{ text: 'Great. What would you like to do next?' }]);
    socket.disconnect();
  });

  it('never logs message text or raw session ids', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    await say(socket, id, 'my IBAN is DE89370400440532013000', undefined);
    await say(socket, id, '', 2);
    socket.disconnect();
    expect(t.logs.lines.length).toBeGreaterThan(0);
    expect(t.logs.text).not.toContain(publicId(id));
    expect(t.logs.text).not.toContain(id.split('.')[1]);
    expect(t.logs.text).not.toContain('DE89370400440532013000');
    expect(t.logs.text).toContain(t.logger.hash(publicId(id)));
  });
});

describe('hand-off to a person', () => {
  let receiver: http.Server;
  let receiverUrl: string;
  const received: HandoffRequest[] = [];
  let failNext = false;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (failNext) {
          failNext = false;
          res.writeHead(500).end('agent system down');
          return;
        }
        const request = JSON.parse(body) as HandoffRequest;
        received.push(request);
        // An agent system may name its own ticket; this one does for call backs.
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(request.callback ? { queued: true, ticket: 'CRM-4711' } : { queued: true }));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/handoff`;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('posts the transcript to the webhook and tells the user; a failing webhook gets a polite message', async () => {
    const t = await startTestApp({ handoffNotifier: new WebhookHandoffNotifier({ url: receiverUrl, timeoutMs: 2000 }) });
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    await say(socket, id, 'hello', 1);
    const sent = await say(socket, id, 'I want to talk to a human', 2);
    const ticket = (sent[1] as { custom: { ticket: string } }).custom.ticket;
    expect(ticket).toMatch(/^MON-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    // The customer is told a ticket was created, with its reference, and sees how else to reach the team.
    expect(sent).toEqual([
      { text: `${TEXTS.handoffSent} Your reference is ${ticket}.` },
      { custom: { type: 'handoff', reason: 'user_request', status: 'sent', ticket, contact: { phone: '+49 30 1234 5678', hours: 'Monday to Friday, 8:00–20:00' } } },
    ]);
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual({
      // The public id only: the session secret never leaves the client and the ownership stage (CONTRACTS §8).
      sessionId: publicId(id),
      reason: 'user_request',
      at: expect.any(Number),
      ticket,
      transcript: [
        { from: 'user', text: 'hello', at: expect.any(Number) },
        { from: 'bot', text: TEXTS.greeting, at: expect.any(Number) },
        { from: 'user', text: 'I want to talk to a human', at: expect.any(Number) },
      ],
    });
    failNext = true;
    expect(await say(socket, id, '/human_handoff', 2)).toEqual([
      { text: `${TEXTS.handoffFailed} You can call us on +49 30 1234 5678 (Monday to Friday, 8:00–20:00). You can also ask us to call you back.` },
      { custom: { type: 'handoff', reason: 'user_request', status: 'failed', contact: { phone: '+49 30 1234 5678', hours: 'Monday to Friday, 8:00–20:00' }, callback: true } },
    ]);
    expect(t.logs.lines.some((l) => l.includes('hand-off webhook failed'))).toBe(true);
    socket.disconnect();
    await t.close();
  });

  it('without a webhook, says that nobody can join the chat and offers no call back (the number could reach nobody)', async () => {
    const store = new MemorySessionStore();
    const contact = { phone: '+49 30 1234 5678' };
    const t = await startTestApp({ store, skills: [...defaultTestSkills(), new CallbackRequestSkill({ contact })] });
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    expect(await say(socket, id, '/human_handoff', 2)).toEqual([
      { text: `${TEXTS.handoffUnavailable} You can call us on +49 30 1234 5678 (Monday to Friday, 8:00–20:00).` },
      { custom: { type: 'handoff', reason: 'user_request', status: 'unavailable', contact: { phone: '+49 30 1234 5678', hours: 'Monday to Friday, 8:00–20:00' } } },
    ]);
    // A client that sends the form anyway gets the contact details; the number is not kept.
    expect(await say(socket, id, '/callback_request{"phone":"+49 170 1234567","time":"morning","consent":true}', 2)).toEqual([
      { text: "Sorry, we can't arrange a call back from this chat. You can call us on +49 30 1234 5678." },
      { custom: { type: 'handoff', reason: 'callback_request', status: 'unavailable', contact } },
    ]);
    const events = (await store.get(publicId(id)))!.events;
    expect(events.some((e) => e.type === 'callback_requested')).toBe(false);
    expect(JSON.stringify(events)).not.toMatch(/170\s*1234567/);
    socket.disconnect();
    await t.close();
  });

  it('takes a call-back request: checked, stored with the conversation, sent with the transcript, confirmed with a reference', async () => {
    const notifier = new WebhookHandoffNotifier({ url: receiverUrl });
    const store = new MemorySessionStore();
    const contact = { phone: '+49 30 1234 5678', secureMessageUrl: 'https://bank.example/secure-message' };
    const t = await startTestApp({ handoffNotifier: notifier, store, skills: [...defaultTestSkills(), new CallbackRequestSkill({ notifier, contact })] });
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    await say(socket, id, 'hello', 1);
    // Missing consent: nothing is stored or sent; the form is offered again.
    const before = received.length;
    const refused = await say(socket, id, '/callback_request{"phone":"+49 170 1234567","time":"morning"}', 2);
    expect(refused[0]).toMatchObject({ text: expect.stringMatching(/your phone number, a preferred time and your consent/) });
    expect(refused[1]).toMatchObject({ custom: { type: 'handoff', callback: true, contact: { secureMessageUrl: 'https://bank.example/secure-message' } } });
    expect(received).toHaveLength(before);
    const done = await say(socket, id, '/callback_request{"phone":"+49 170 1234567","time":"morning","consent":true}', 2);
    expect(done[0]).toEqual({ text: "Thank you. We'll call you back in the morning (8:00–12:00) on the number ending 4567. Your reference is CRM-4711." });
    expect(done[1]).toMatchObject({ custom: { type: 'handoff', reason: 'callback_request', status: 'callback_requested', ticket: 'CRM-4711' } });
    expect(received.at(-1)).toMatchObject({ sessionId: publicId(id), reason: 'callback_request', callback: { phone: '+491701234567', time: 'morning' } });
    expect(received.at(-1)!.transcript.map((l) => l.text)).toContain('hello');
    const stored = (await store.get(publicId(id)))!.events.filter((e) => e.type === 'callback_requested');
    // At rest, the last four digits only: in the event and in the stored message (text and parsed entities).
    expect(stored).toEqual([{ type: 'callback_requested', at: expect.any(Number), ticket: 'CRM-4711', time: 'morning', phone: '••••4567', sent: true }]);
    const events = (await store.get(publicId(id)))!.events;
    expect(JSON.stringify(events)).not.toMatch(/170\s*1234567/);
    expect(events.filter((e) => e.type === 'user_uttered').map((e) => e.text)).toContain('/callback_request{"phone":"••••4567","time":"morning","consent":true}');
    // The bank's system is down: the customer is told it did not arrive (nobody could call back from a masked log).
    failNext = true;
    const failed = await say(socket, id, '/callback_request{"phone":"+49 170 1234567","time":"evening","consent":true}', 2);
    expect(failed[0]).toEqual({ text: "Sorry, I couldn't pass your call-back request to our team just now. Please try again in a moment. You can call us on +49 30 1234 5678 or send a secure message (https://bank.example/secure-message)." });
    expect(failed[1]).toMatchObject({ custom: { type: 'handoff', reason: 'callback_request', status: 'failed', callback: true } });
    const last = (await store.get(publicId(id)))!.events.filter((e) => e.type === 'callback_requested').at(-1);
    expect(last).toMatchObject({ phone: '••••4567', sent: false, time: 'evening' });
    socket.disconnect();
    await t.close();
  });

  it('offers options and a hand-off after two misunderstandings; the button hands off', async () => {
    const t = await startTestApp({ handoffNotifier: new WebhookHandoffNotifier({ url: receiverUrl }) });
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    expect(await say(socket, id, 'flibber', 1)).toEqual([{ text: TEXTS.rephrase }]);
    const [offer] = await say(socket, id, 'jabberwock', 1);
    const button = (offer as { quick_replies: Array<{ title: string; payload: string }> }).quick_replies.find((q) => q.title === 'Talk to a person')!;
    expect(await say(socket, id, button.payload, 2)).toMatchObject([{ text: expect.stringContaining(TEXTS.handoffSent) }, { custom: { type: 'handoff' } }]);
    expect(received.at(-1)!.transcript.map((l) => l.text).slice(0, 3)).toEqual(['flibber', TEXTS.rephrase, 'jabberwock']);
    socket.disconnect();
    await t.close();
  });
});

describe('a failing skill', () => {
  it('becomes an apologetic reply with an error event; no internals leak; the conversation continues', async () => {
    const t = await startTestApp({ skills: [new ConversationSkill(), new BrokenSkill(), new LoanCheckSkill()] });
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const replies = await say(socket, id, 'what is the exchange rate for dollars', 2);
    expect(replies).toEqual([{ text: TEXTS.skillFailed }, { custom: { type: 'error', code: 'internal', message: TEXTS.skillFailed } }]);
    expect(JSON.stringify(replies)).not.toContain('hunter2');
    expect(await say(socket, id, 'hello', 1)).toHaveLength(1);
    expect(t.logs.lines.some((l) => l.includes('skill failed') && l.includes('"skill":"broken"'))).toBe(true);
    socket.disconnect();
    await t.close();
  });
});

describe('never the same reply twice in a row', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('words a repeated out-of-scope reply differently the second time, and goes back to the first wording after', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const first = await say(socket, id, 'what is the weather in Paris', 1);
    expect(first[0]).toMatchObject({ text: TEXTS.outOfScope });
    const second = await say(socket, id, 'what is the weather in Rome', 1);
    expect((second[0] as { text: string }).text).not.toBe(TEXTS.outOfScope);
    expect((second[0] as { text: string }).text).toMatch(/outside what I can help with/);
    const third = await say(socket, id, 'what is the weather in Oslo', 1);
    expect(third[0]).toMatchObject({ text: TEXTS.outOfScope });
    socket.close();
  });
});

