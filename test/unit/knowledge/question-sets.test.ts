/**
 * The knowledge question sets' labels are data every quality figure depends on: every labelled passage exists, and
 * every passage the pooled assessment added is backed by a "yes" from both of its passes
 * (knowledge/eval/pooled-assessment/README.md), never added by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptedPassages, loadBlind2, loadQuestions, loadTuningBlind, loadTuningBlind2 } from '../../../bench/kb-questions.ts';
import { listKnowledgeFiles } from '../../../server/rag/ingest.ts';

const KB = path.resolve(__dirname, '../../../knowledge');
const EVAL = path.join(KB, 'eval');
const ids = new Set(listKnowledgeFiles(KB).map((f) => /^id:\s*(\S+)/m.exec(fs.readFileSync(path.join(KB, f), 'utf8'))![1]!));
const questions = [...loadQuestions(KB), ...loadTuningBlind(KB), ...loadTuningBlind2(KB), ...loadBlind2(KB)];
const accepted = (file: string): Set<string> =>
  new Set(
    fs
      .readFileSync(path.join(EVAL, 'pooled-assessment', file), 'utf8')
      .split('\n')
      .map((l) => l.split('\t'))
      .filter((p) => p[2] === 'yes')
      .map((p) => `${p[0]}\t${p[1]}`),
  );

describe('knowledge question sets', () => {
  it('label only passages that exist, each question once', () => {
    expect(ids.size).toBeGreaterThan(300);
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
    for (const q of questions) for (const id of [...q.relevant, ...(q.pooled ?? [])]) expect(ids.has(id), `${q.id} → ${id}`).toBe(true);
  });

  it('add a pooled label only where both assessment passes accepted it, and never repeat an original label', () => {
    const pass1 = accepted('pass-1.tsv');
    const pass2 = accepted('pass-2.tsv');
    const pooled = questions.flatMap((q) => (q.pooled ?? []).map((id) => ({ q, id })));
    expect(pooled.length).toBeGreaterThan(500);
    for (const { q, id } of pooled) {
      expect(q.relevant).not.toContain(id);
      expect(pass1.has(`${q.id}\t${id}`) && pass2.has(`${q.id}\t${id}`), `${q.id} → ${id}`).toBe(true);
    }
  });

  it('score against the original labels unless asked for the pooled ones', () => {
    const q = { relevant: ['a'], pooled: ['b'] };
    expect(acceptedPassages(q, 'original')).toEqual(['a']);
    expect(acceptedPassages(q, 'pooled')).toEqual(['a', 'b']);
    expect(acceptedPassages({ relevant: [] }, 'pooled')).toEqual([]);
  });
});
