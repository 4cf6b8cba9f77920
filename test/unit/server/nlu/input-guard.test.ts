/** The input guard: other languages and binary-looking text are recognised; English (however casual) never is. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../../../server/config/index.ts';
import { detectInputProblem } from '../../../../server/nlu/input-guard.ts';

describe('detectInputProblem', () => {
  it.each([
    'hola, mi tarjeta no funciona',
    'Bonjour, je ne trouve pas ma carte',
    'Wo ist meine Karte?',
    'Perché la mia carta è bloccata?',
    'O meu cartão não chegou',
    'моя карта не работает',
    '我的卡丢了',
    'merci',
  ])('calls %j another language', (text) => {
    expect(detectInputProblem(text)).toBe('non_english');
  });

  it.each(['\u0000\u0001\u0002binary\u0003', '\u0007\u0008\u000e\u000f\u0010\u0011 abc', '\ufffd\ufffd\ufffd\ufffd x'])('calls %j binary', (text) => {
    expect(detectInputProblem(text)).toBe('binary');
  });

  it.each(['my transfr didnt go thru?? its been 3 days', 'yup', '10-4', 'qwzx plorb', 'whats the diffrence between a stock and a bond', 'Can I pay in euros in Madrid?'])(
    'leaves %j alone',
    (text) => {
      expect(detectInputProblem(text)).toBeUndefined();
    },
  );

  it('never flags an English question of the knowledge question sets or BANKING77', () => {
    const lines: string[] = [];
    const evalDir = path.join(PROJECT_ROOT, 'knowledge', 'eval');
    for (const f of fs.readdirSync(evalDir).filter((n) => n.endsWith('.jsonl'))) {
      for (const l of fs.readFileSync(path.join(evalDir, f), 'utf8').split('\n')) if (l.trim()) lines.push((JSON.parse(l) as { question: string }).question);
    }
    const banking = path.join(loadConfig({}).datasetsDir, 'banking77', 'test.csv');
    if (fs.existsSync(banking)) for (const l of fs.readFileSync(banking, 'utf8').split('\n').slice(1)) if (l.trim()) lines.push(l.replace(/,[a-z_?]+$/, ''));
    expect(lines.length).toBeGreaterThan(1000);
    expect(lines.filter((l) => detectInputProblem(l) !== undefined)).toEqual([]);
  });
});
