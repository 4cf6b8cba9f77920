/** Knowledge ingestion: find passage files, validate their front matter, and split them into chunks. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import matter from 'gray-matter';
import { z } from 'zod';
import { MonetaError, ValidationError, type FieldIssue } from '../errors.ts';
import type { KnowledgeDocument } from './types.ts';
import { stripMarkdown } from './text.ts';

/** Front-matter metadata of a passage (plus any extra keys the author added). */
export interface PassageMetadata {
  topic: string;
  tags: string[];
  /** BANKING77 (or Moneta) intents this passage answers; drives the intent-aware boost. */
  intents: string[];
  /** ISO date `YYYY-MM-DD`. */
  lastReviewed: string;
  /**
   * Other ways customers ask what this passage answers (front matter `questions`), like an FAQ's alternate
   * phrasings: indexed as extra keys for the passage, never shown as answer text.
   */
  questions: string[];
  /** Path relative to the knowledge directory, with `/` separators. */
  file: string;
  [extra: string]: unknown;
}

/** One knowledge passage: an authored Markdown file. `text` is the Markdown body. */
export interface Passage extends KnowledgeDocument {
  metadata: PassageMetadata;
}

/** A piece of a passage small enough to embed; keeps its passage's id and title. */
export interface Chunk {
  passageId: string;
  title: string;
  /** 0-based position within the passage (-1 for the title vector, -2, -3, … for its alternate questions). */
  index: number;
  /** The chunk's Markdown text (empty for the title vector and alternate questions). */
  text: string;
  /** Set on an alternate-question key: the question embedded instead of any passage text. */
  question?: string;
}

/** A knowledge file as read from disk. */
export interface SourceFile {
  /** Relative to the knowledge directory, `/`-separated (stable across OSes, used as the manifest key). */
  path: string;
  /** SHA-256 of the raw bytes. */
  sha256: string;
  content: string;
}

/** Passage file rules. Unknown keys are kept as metadata. */
const frontMatterSchema = z
  .object({
    id: z
      .string({ error: 'is required (a kebab-case string, unique across the knowledge base)' })
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be kebab-case: lower-case letters, digits and hyphens'),
    title: z.string({ error: 'is required (a string)' }).trim().min(1, 'must not be empty'),
    topic: z
      .string({ error: 'is required (e.g. customer-service, investing, credit, moneta)' })
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be kebab-case'),
    // YAML reads `[bonds, 2022]` as a string and a number; a tag is a label either way.
    tags: z
      .array(z.union([z.string().min(1), z.number()]).transform(String), { error: 'must be a list of strings, e.g. [cards, delivery]' })
      .default([]),
    intents: z
      // BANKING77 names are kept verbatim, quirks included: "Refund_not_showing_up", "reverted_card_payment?".
      .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*\??$/, 'must be an intent name such as card_arrival'), {
        error: 'must be a list of intent names, e.g. [card_arrival]',
      })
      .default([]),
    questions: z
      .array(z.string().trim().min(3, 'must be a question of at least 3 characters').max(300, 'must be at most 300 characters'), {
        error: 'must be a list of questions, e.g. ["where is my new card?"]',
      })
      .max(40, 'must list at most 40 questions')
      .default([]),
    last_reviewed: z.union([z.date(), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)], {
      error: 'is required (a date YYYY-MM-DD)',
    }),
  })
  .loose();

/** Minimum body length: a passage must say something a customer can use. */
const MIN_BODY_CHARS = 40;

/** Lists `*.md` passage files under `dir`, sorted, skipping dot-folders, `eval/` and README files. */
export function listKnowledgeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        if (!rel && entry.name === 'eval') continue;
        walk(childRel);
      } else if (entry.isFile() && entry.name.endsWith('.md') && !/^readme\.md$/i.test(entry.name)) {
        out.push(childRel);
      }
    }
  };
  if (!fs.existsSync(dir)) throw new ValidationError(`Knowledge directory ${dir} does not exist`);
  walk('');
  // Code-point order (not locale) so every machine lists files, and so inserts vectors, in the same order.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads every passage file under `dir` with its content hash. */
export function readKnowledgeFiles(dir: string): SourceFile[] {
  return listKnowledgeFiles(dir).map((rel) => {
    const buf = fs.readFileSync(path.join(dir, rel));
    return { path: rel, sha256: crypto.createHash('sha256').update(buf).digest('hex'), content: buf.toString('utf8') };
  });
}

/** 1-based line of `key:` in the front matter, or 1 (the opening `---`) when absent. */
function lineOfKey(content: string, key: string): number {
  const lines = content.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    if (/^---\s*$/.test(lines[i]!)) break;
    if (new RegExp(`^${key}\\s*:`).test(lines[i]!)) return i + 1;
  }
  return 1;
}

function issue(file: string, line: number, message: string): FieldIssue {
  return { field: `${file}:${line}`, message };
}

/**
 * Parses and validates one passage file. Returns the passage or the problems found, each naming `file:line`.
 * `file` is the path shown in messages (relative to the knowledge directory).
 */
export function parsePassage(file: string, content: string): { passage?: Passage; issues: FieldIssue[] } {
  if (!/^---\r?\n/.test(content)) {
    return { issues: [issue(file, 1, 'must start with a front-matter block (--- id, title, topic, tags, last_reviewed ---)')] };
  }
  let parsed: matter.GrayMatterFile<string>;
  try {
    // Passing options disables gray-matter's unbounded per-content cache.
    parsed = matter(content, {});
  } catch (err) {
    const mark = (err as { mark?: { line?: number } }).mark;
    // js-yaml counts lines from 0 inside the front matter, which starts on file line 2.
    const line = typeof mark?.line === 'number' ? mark.line + 2 : 1;
    const reason = (err as { reason?: string }).reason ?? (err as Error).message.split('\n')[0];
    return { issues: [issue(file, line, `front matter is not valid YAML: ${reason}`)] };
  }
  const result = frontMatterSchema.safeParse(parsed.data ?? {});
  const issues: FieldIssue[] = [];
  if (!result.success) {
    for (const i of result.error.issues) {
      const key = String(i.path[0] ?? '');
      issues.push(issue(file, lineOfKey(content, key), `front matter "${i.path.join('.')}" ${i.message}`));
    }
  }
  const body = parsed.content.trim();
  const closing = content.split(/\r?\n/).findIndex((l, i) => i > 0 && /^---\s*$/.test(l));
  if (stripMarkdown(body).length < MIN_BODY_CHARS) {
    issues.push(issue(file, closing + 2, `passage text is missing or shorter than ${MIN_BODY_CHARS} characters`));
  }
  if (issues.length || !result.success) return { issues };
  const fm = result.data;
  const { id, title, topic, tags, intents, questions, last_reviewed, ...extra } = fm;
  const lastReviewed = last_reviewed instanceof Date ? last_reviewed.toISOString().slice(0, 10) : last_reviewed;
  return {
    issues: [],
    passage: { id, title, text: body, metadata: { ...extra, topic, tags, intents, questions, lastReviewed, file } },
  };
}

/**
 * Parses every file; throws one ValidationError listing every problem (bad YAML, missing fields, duplicate ids),
 * each as `file:line: message`, so an author fixes them all in one pass.
 */
export function parsePassages(files: SourceFile[]): Passage[] {
  const passages: Passage[] = [];
  const issues: FieldIssue[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const r = parsePassage(f.path, f.content);
    issues.push(...r.issues);
    if (!r.passage) continue;
    const prev = seen.get(r.passage.id);
    if (prev) {
      issues.push(issue(f.path, lineOfKey(f.content, 'id'), `duplicate passage id "${r.passage.id}" (also in ${prev})`));
      continue;
    }
    seen.set(r.passage.id, f.path);
    passages.push(r.passage);
  }
  if (issues.length) {
    // MonetaError directly (not ValidationError, which appends the details to the message a second time).
    throw new MonetaError(
      'validation_failed',
      `Invalid knowledge files (nothing was changed):\n${issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`,
      { details: issues },
    );
  }
  return passages;
}

/** Chunking parameters; part of the index fingerprint (changing them re-embeds everything). */
export interface ChunkingOptions {
  chunkSize: number;
  chunkOverlap: number;
  /**
   * Also embed each title on its own. Titles are written as the customer's question, so an encoder trained on
   * paraphrases matches them well; a lexical embedder does not gain from it (measured in bench/kb.ts).
   */
  titleVector?: boolean;
  /**
   * Also embed each of the passage's alternate questions (front matter `questions`) as a key of its own: a customer's
   * wording is closer to another customer's question than to the passage's prose (measured in bench/kb.ts).
   */
  questionVectors?: boolean;
}

/**
 * Passages average ~1,500 characters; ~900-character chunks keep one or two ideas per vector. Alternate questions
 * raised hybrid recall@1 on the dev half from 0.66 to 0.83 with the hashed embedder alone (docs/knowledge.md).
 */
export const DEFAULT_CHUNKING: ChunkingOptions = { chunkSize: 900, chunkOverlap: 150, questionVectors: true };

/** Splits a passage with LangChain's Markdown-aware recursive splitter. */
export async function splitPassage(passage: Passage, options: ChunkingOptions = DEFAULT_CHUNKING): Promise<Chunk[]> {
  const splitter = RecursiveCharacterTextSplitter.fromLanguage('markdown', options);
  const pieces = await splitter.splitText(passage.text);
  const { id: passageId, title } = passage;
  const chunks: Chunk[] = pieces.map((text, index) => ({ passageId, title, index, text }));
  const titleKey: Chunk[] = options.titleVector ? [{ passageId, title, index: -1, text: '' }] : [];
  const questionKeys: Chunk[] = options.questionVectors
    ? passage.metadata.questions.map((question, k) => ({ passageId, title, index: -2 - k, text: '', question }))
    : [];
  return [...titleKey, ...chunks, ...questionKeys];
}

/** The text that is embedded for a chunk: the title gives short chunks their context. */
export function chunkEmbeddingText(chunk: Pick<Chunk, 'title' | 'text' | 'question'>): string {
  if (chunk.question) return chunk.question;
  return chunk.text ? `${chunk.title}\n${stripMarkdown(chunk.text)}` : chunk.title;
}
