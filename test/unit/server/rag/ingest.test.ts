import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MonetaError } from '../../../../server/errors.ts';
import { chunkEmbeddingText, parsePassage, parsePassages, readKnowledgeFiles, splitPassage } from '../../../../server/rag/ingest.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../../../fixtures/knowledge');

const file = (fm: string, body = 'A passage body long enough to be a useful answer for a customer.') => `---\n${fm}\n---\n${body}\n`;
const GOOD = 'id: ok-one\ntitle: A title\ntopic: investing\ntags: [bonds, 2022]\nlast_reviewed: 2026-01-02';

describe('knowledge ingestion', () => {
  it('reads every fixture passage with its front matter as metadata', () => {
    const files = readKnowledgeFiles(FIXTURE);
    expect(files.map((f) => f.path)).toEqual([
      'banking/card-delivery.md',
      'banking/exchange-rate.md',
      'banking/lost-card.md',
      'investing/bond-prices.md',
      'investing/credit-score.md',
      'investing/diversification.md',
    ]);
    const passages = parsePassages(files);
    const card = passages.find((p) => p.id === 'fx-card-delivery')!;
    expect(card.title).toBe('How long does a new card take to arrive?');
    expect(card.metadata).toMatchObject({
      topic: 'customer-service',
      tags: ['cards', 'delivery'],
      intents: ['card_arrival', 'card_delivery_estimate'],
      lastReviewed: '2026-01-15',
      file: 'banking/card-delivery.md',
    });
    expect(card.text).toMatch(/^A new card usually arrives/);
  });

  it('accepts numeric tags and the BANKING77 label with a question mark', () => {
    const r = parsePassage('x.md', file(`${GOOD}\nintents: ["reverted_card_payment?"]`));
    expect(r.issues).toEqual([]);
    expect(r.passage!.metadata.tags).toEqual(['bonds', '2022']);
    expect(r.passage!.metadata.intents).toEqual(['reverted_card_payment?']);
  });

  it.each([
    ['no front matter', 'Just text without front matter, long enough to count as a body.', 'x.md:1', /front-matter block/],
    ['invalid YAML', file('id: a\ntitle: [unclosed\ntopic: investing\nlast_reviewed: 2026-01-02'), 'x.md:', /not valid YAML/],
    ['missing title', file('id: a\ntopic: investing\nlast_reviewed: 2026-01-02'), 'x.md:1', /"title" is required/],
    ['bad id', file('id: Not Kebab\ntitle: T\ntopic: investing\nlast_reviewed: 2026-01-02'), 'x.md:2', /kebab-case/],
    ['bad date', file('id: a\ntitle: T\ntopic: investing\nlast_reviewed: yesterday'), 'x.md:5', /last_reviewed/],
    ['empty body', file(GOOD, ''), 'x.md:8', /passage text is missing/],
    ['questions not a list', file(`${GOOD}\nquestions: where is my card`), 'x.md:7', /"questions" must be a list of questions/],
    ['an empty question', file(`${GOOD}\nquestions: ["where is my card?", ""]`), 'x.md:7', /"questions.1" must be a question/],
  ])('rejects %s, naming the file and line', (_name, content, where, message) => {
    const r = parsePassage('x.md', content);
    expect(r.passage).toBeUndefined();
    expect(r.issues.length).toBeGreaterThan(0);
    expect(r.issues[0]!.field.startsWith(where)).toBe(true);
    expect(r.issues[0]!.message).toMatch(message);
  });

  it('reports every bad file at once, including duplicate ids', () => {
    const files = [
      { path: 'a.md', sha256: '', content: file(GOOD) },
      { path: 'b.md', sha256: '', content: file(GOOD) },
      { path: 'c.md', sha256: '', content: file('id: c\ntopic: investing\nlast_reviewed: 2026-01-02') },
    ];
    let err: unknown;
    try {
      parsePassages(files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MonetaError);
    expect((err as MonetaError).code).toBe("validation_failed");
    const msg = (err as Error).message;
    expect(msg).toContain('b.md:2: duplicate passage id "ok-one" (also in a.md)');
    expect(msg).toContain('c.md:1: front matter "title"');
  });

  it('splits a long passage into chunks that keep its id and title', async () => {
    const body = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} explains one more detail about fees.`).join(' ');
    const { passage } = parsePassage('x.md', file(GOOD, `${body}\n\n${body}`));
    const chunks = await splitPassage(passage!);
    expect(chunks.length).toBeGreaterThan(2);
    for (const [i, c] of chunks.entries()) {
      expect(c).toMatchObject({ passageId: 'ok-one', title: 'A title', index: i });
      expect(c.text.length).toBeLessThanOrEqual(900);
    }
  });

  it('keeps alternate questions as metadata and adds each as a key of its own after the text chunks', async () => {
    const r = parsePassage('x.md', file(`${GOOD}\nquestions:\n  - "  my card hasnt come yet  "\n  - "delivery time for cards"`));
    expect(r.issues).toEqual([]);
    expect(r.passage!.metadata.questions).toEqual(['my card hasnt come yet', 'delivery time for cards']);
    const chunks = await splitPassage(r.passage!, { chunkSize: 900, chunkOverlap: 150, questionVectors: true });
    expect(chunks.map((c) => c.index)).toEqual([0, -2, -3]);
    expect(chunks.slice(1).map((c) => [c.text, chunkEmbeddingText(c)])).toEqual([
      ['', 'my card hasnt come yet'],
      ['', 'delivery time for cards'],
    ]);
    const withoutKeys = await splitPassage(r.passage!, { chunkSize: 900, chunkOverlap: 150 });
    expect(withoutKeys.map((c) => c.index)).toEqual([0]);
  });

  it('adds a title-only chunk first when asked', async () => {
    const { passage } = parsePassage('x.md', file(GOOD));
    const chunks = await splitPassage(passage!, { chunkSize: 900, chunkOverlap: 150, titleVector: true });
    expect(chunks[0]).toEqual({ passageId: 'ok-one', title: 'A title', index: -1, text: '' });
    expect(chunkEmbeddingText(chunks[0]!)).toBe('A title');
    expect(chunkEmbeddingText(chunks[1]!)).toMatch(/^A title\nA passage body/);
  });
});
