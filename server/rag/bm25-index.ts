/** BM25 keyword search over passages (MiniSearch), plus the query-term coverage used to judge absolute relevance. */
import MiniSearch, { type Options, type SearchOptions } from 'minisearch';
import type { Passage } from './ingest.ts';
import { STOP_WORDS, stem, stripMarkdown, terms, words } from './text.ts';

/** One BM25 result: passage id and raw BM25 score (unbounded; only comparable within one query). */
export interface Bm25Hit {
  id: string;
  score: number;
}

interface IndexedDoc {
  id: string;
  title: string;
  /** The title again, analysed without dropping stop words (see TITLE_WORDS). */
  titleWords: string;
  text: string;
  tags: string;
  /** The passage's alternate questions (front matter), a field of its own so its weight is tuned separately. */
  questions: string;
}

// Field boosts: a title states what the passage answers, so a title match counts double (tuned in bench/kb.ts).
const FIELDS = ['title', 'titleWords', 'text', 'tags', 'questions'] as const;
const BOOST = { title: 2, titleWords: 1, text: 1, tags: 1.5, questions: 3 };

/**
 * Stop words are dropped everywhere except in `titleWords`, and kept in queries: so "what is", "how do I", "can I"
 * match only passage titles, which are written as the question they answer. That lets "what does asset allocation
 * mean" prefer "What is asset allocation?" over its sibling "Asset allocation mistakes" without letting function
 * words match body text.
 */
const TITLE_WORDS = 'titleWords';

/**
 * Why MiniSearch: it is already a dependency, has no dependencies of its own, implements BM25+ (Lv & Zhai 2011)
 * with per-field boosts, fuzzy matching (edit distance, for typos) and serialises to JSON. Terms are stemmed with
 * the Porter stemmer and stop words dropped, the same analysis as the rest of the retrieval code.
 */
const MINISEARCH_OPTIONS: Options<IndexedDoc> = {
  fields: [...FIELDS],
  storeFields: [],
  idField: 'id',
  tokenize: (text) => words(text),
  processTerm: (term, field) => (field !== TITLE_WORDS && STOP_WORDS.has(term) ? null : stem(term)),
  searchOptions: { processTerm: (term) => stem(term) },
};

/** Query-time BM25 settings (defaults tuned in bench/kb.ts). */
export interface Bm25QueryOptions {
  /** Per-field boosts. */
  boost?: { title?: number; titleWords?: number; text?: number; tags?: number; questions?: number };
  /** Minimum term length for a 1-edit fuzzy match (typos); 0 disables fuzzy matching. Default 6. */
  fuzzyMinLength?: number;
  /** BM25 parameters (MiniSearch defaults k=1.2, b=0.7, d=0.5). */
  bm25?: { k: number; b: number; d: number };
}

/** Passage-level BM25 index with the document frequencies needed for query coverage. */
export class Bm25Index {
  private readonly search: MiniSearch<IndexedDoc>;
  private readonly df = new Map<string, number>();
  private readonly termSets = new Map<string, Set<string>>();
  private passageCount = 0;

  private constructor(search: MiniSearch<IndexedDoc>) {
    this.search = search;
  }

  /** Indexes the passages (title, plain text, tags). */
  static build(passages: readonly Passage[]): Bm25Index {
    const idx = new Bm25Index(new MiniSearch<IndexedDoc>(MINISEARCH_OPTIONS));
    idx.search.addAll(passages.map(toDoc));
    idx.computeStats(passages);
    return idx;
  }

  /** Restores an index saved with {@link Bm25Index.toJSON}; `passages` must be the ones it was built from. */
  static fromJSON(json: string, passages: readonly Passage[]): Bm25Index {
    const idx = new Bm25Index(MiniSearch.loadJSON<IndexedDoc>(json, MINISEARCH_OPTIONS));
    idx.computeStats(passages);
    return idx;
  }

  /** Serialises the inverted index (MiniSearch's JSON format). */
  toJSON(): string {
    return JSON.stringify(this.search);
  }

  private computeStats(passages: readonly Passage[]): void {
    this.passageCount = passages.length;
    for (const p of passages) {
      const set = new Set(terms(`${p.title}\n${stripMarkdown(p.text)}\n${p.metadata.tags.join(' ')}\n${questionsOf(p)}`));
      this.termSets.set(p.id, set);
      for (const t of set) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    }
  }

  /** Passages matching any query term, best first. `accept` restricts to passage ids it returns true for. */
  query(text: string, limit: number, accept?: (passageId: string) => boolean, params: Bm25QueryOptions = {}): Bm25Hit[] {
    const fuzzyMin = params.fuzzyMinLength ?? 6;
    const boost = { ...BOOST, ...params.boost };
    const options: SearchOptions = {
      // MiniSearch reads a boost of 0 as "unset" (1): a field switched off is left out of the search instead.
      fields: FIELDS.filter((f) => boost[f] !== 0),
      boost,
      fuzzy: (term) => (fuzzyMin > 0 && term.length >= fuzzyMin ? 1 : false),
      ...(params.bm25 ? { bm25: params.bm25 } : {}),
      prefix: false,
      combineWith: 'OR',
      ...(accept ? { filter: (r) => accept(String(r.id)) } : {}),
    };
    return this.search
      .search(text, options)
      .slice(0, limit)
      .map((r) => ({ id: String(r.id), score: r.score }));
  }

  /** Inverse document frequency (BM25's, floored at a small positive value). Unknown terms get the maximum. */
  idf(term: string): number {
    const n = this.passageCount;
    const df = this.df.get(term) ?? 0;
    return Math.max(0.05, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
  }

  /**
   * Share of the query's information (IDF-weighted content terms) found verbatim in the passage, in [0, 1].
   * Words the knowledge base has never seen ("weather", "bitcoin") weigh most, so an off-topic question that
   * shares only generic words with a passage gets a low coverage. 0 for a query without content terms.
   */
  coverage(query: string, passageId: string): number {
    const set = this.termSets.get(passageId);
    const qTerms = [...new Set(terms(query))];
    if (!set || qTerms.length === 0) return 0;
    let total = 0;
    let hit = 0;
    for (const t of qTerms) {
      const w = this.idf(t);
      total += w;
      if (set.has(t)) hit += w;
    }
    return total > 0 ? hit / total : 0;
  }

  /** Number of indexed passages. */
  size(): number {
    return this.passageCount;
  }
}

function questionsOf(p: Passage): string {
  return p.metadata.questions.join('\n');
}

function toDoc(p: Passage): IndexedDoc {
  return { id: p.id, title: p.title, titleWords: p.title, text: stripMarkdown(p.text), tags: p.metadata.tags.join(' '), questions: questionsOf(p) };
}
