/** REST webhook on a real server: exact payloads, and identical replies to the socket for the same conversation state. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotMessage, RestWebhookReply } from '../../server/contracts/chat-protocol.ts';
import { CAPABILITY_BUTTONS, TEXTS } from '../../server/response/templates.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../fixtures/platform/identity-provider.ts';
import { bearer, connectSocket, requestSession, rest, say, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

/** CONTRACTS §2 written out independently of the server's renderer: text(+buttons) | custom | image, one per event. */
function asRest(recipient: string, m: BotMessage): RestWebhookReply {
  if ('text' in m) {
    return m.quick_replies ? { recipient_id: recipient, text: m.text, buttons: m.quick_replies.map((q) => ({ title: q.title, payload: q.payload })) } : { recipient_id: recipient, text: m.text };
  }
  if ('custom' in m) return { recipient_id: recipient, custom: m.custom };
  return { recipient_id: recipient, image: m.attachment.payload.src };
}

const SCRIPT = [
  'hello',
  'what can you do?',
  'qwzx plorb',
  'blorp zizz',
  '/credit_risk_assessment',
  'why?',
  '50',
  '5000',
  'actually make the amount 6000',
  '2 years',
  'tenant',
  'are you a bot?',
  'thanks',
  'what is the weather like',
  'I want to talk to a human',
  'bye',
];

describe('REST webhook', () => {
  let t: TestApp;
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startIdentityProvider();
    t = await startTestApp({ config: { auth: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience } } });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  it('answers with Rasa-shaped elements: recipient_id, text, buttons', async () => {
    const { status, json } = await rest(t.url, { sender: 'test_user', message: 'hi' });
    expect(status).toBe(200);
    expect(json).toEqual([{ recipient_id: 'test_user', text: TEXTS.greeting, buttons: CAPABILITY_BUTTONS.map(({ title, payload }) => ({ title, payload })) }]);
  });

  it('gives exactly the replies the socket gives for the same conversation state, split the same way', async () => {
    const socket = await connectSocket(t.url);
    const socketSession = await requestSession(socket);
    const restSender = randomUUID();
    for (const message of SCRIPT) {
      const { status, json } = await rest(t.url, { sender: restSender, message });
      expect(status).toBe(200);
      const restReplies = json as RestWebhookReply[];
      const socketReplies = await say(socket, socketSession, message, restReplies.length);
      expect(socketReplies.map((m) => asRest(restSender, m)), `message ${JSON.stringify(message)}`).toEqual(restReplies);
      // custom payloads are always elements of their own
      for (const r of restReplies) if (r.custom) expect(Object.keys(r).sort()).toEqual(['custom', 'recipient_id']);
    }
    socket.disconnect();
  });

  it('continues one signed-in customer\'s conversation across channels (sender = session id, same token)', async () => {
    // Only the owner may write to a conversation (CONTRACTS §8): the customer's token proves it on both channels.
    const token = await idp.token('customer-42');
    const socket = await connectSocket(t.url, ['websocket'], { token });
    const id = await requestSession(socket);
    await say(socket, id, '/credit_risk_assessment', 3);
    const { json } = await rest(t.url, { sender: id, message: '7000' }, bearer(token));
    expect((json as RestWebhookReply[])[0]).toEqual({ recipient_id: id, text: 'Over how many months?' });
    const next = await say(socket, id, '12', 2);
    expect(next[0]).toMatchObject({ text: 'Do you own your home, rent, or live for free?' });
    socket.disconnect();
  });
});
