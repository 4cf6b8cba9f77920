/** `moneta kb build` and `moneta kb search` (CONTRACTS §4): rebuild the knowledge index, query it as JSON. */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { ValidationError } from '../errors.ts';
import { parsePassages, readKnowledgeFiles } from '../rag/ingest.ts';
import { buildConfiguredIndex, createKnowledgeBase } from '../rag/knowledge-base.ts';
import type { SessionRecord } from '../session/types.ts';
import { buildKbReport } from '../skills/knowledge/kb-report.ts';
import { publicHit } from '../rag/hybrid-retriever.ts';

import type { CliContext } from './main.ts';

function parseK(value: string): number {
  const k = Number(value);
  if (!Number.isInteger(k) || k < 1 || k > 50) throw new ValidationError(`--k must be a whole number from 1 to 50, got "${value}"`);
  return k;
}

/** Registers `kb build` and `kb search` on the program. */
export function registerKbCommand(program: Command, ctx: CliContext): void {
  const logger = { info: () => {}, warn: (o: object, msg?: string) => ctx.warn(`warning: ${msg ?? ''} ${JSON.stringify(o)}`) };

  const kb = program.command('kb').description('Knowledge base: build the index, search it, report content gaps');

  kb.command('build')
    .description('Re-index knowledge/ (incremental: only changed files are re-embedded)')
    .option('--full', 'Re-embed every file, ignoring the previous index')
    .action(async (opts: { full?: boolean }) => {
      const cfg = ctx.loadConfig();
      const stats = await buildConfiguredIndex(cfg, { full: Boolean(opts.full), logger });
      ctx.warn(
        `Indexed ${stats.passages} passages (${stats.chunks} chunks) into ${cfg.knowledge.indexDir}: ` +
          `${stats.embeddedFiles.length} file(s) embedded, ${stats.reusedFiles} unchanged, ${stats.removedFiles.length} removed, ${stats.ms.total} ms`,
      );
      ctx.printJson({ indexDir: cfg.knowledge.indexDir, ...stats });
    });

  kb.command('report')
    .description('Content gaps from the stored conversations: passages with the most thumbs-down, questions refused or clarified (JSON)')
    .option('--limit <n>', 'rows per list', parseK, 20)
    .action(async (opts: { limit: number }) => {
      const cfg = ctx.loadConfig();
      // Loaded here so `kb build` / `kb search` never pay for the server's other dependencies.
      const { buildSessionStore } = await import('../bootstrap.ts');
      const { openEngines } = await import('../db/engines.ts');
      const engines = await openEngines(cfg);
      const store = buildSessionStore(cfg, engines);
      try {
        if (!store.listIds) throw new ValidationError('The configured session store cannot list conversations, so there is nothing to report.');
        const ids = await store.listIds();
        const records: SessionRecord[] = [];
        for (const id of ids) {
          const r = await store.get(id);
          if (r) records.push(r);
        }
        const titles = new Map(parsePassages(readKnowledgeFiles(cfg.knowledge.dir)).map((p) => [p.id, p.title]));
        ctx.printJson(buildKbReport(records, { limit: opts.limit, titleOf: (id) => titles.get(id) }));
      } finally {
        await store.close();
        await engines.close();
      }
    });

  kb.command('search')
    .description('Search the knowledge base; prints a JSON array [{id,title,text,score}] best first')
    .argument('[query]', 'the question')
    .option('--file <path>', 'one query per line; prints one JSON array per line, in input order')
    .option('--k <n>', 'number of passages', parseK, 5)
    .action(async (query: string | undefined, opts: { file?: string; k: number }) => {
      if ((query === undefined) === (opts.file === undefined)) {
        throw new ValidationError('Give either a query or --file <path> (one query per line)');
      }
      if (opts.file !== undefined && !fs.existsSync(opts.file)) throw new ValidationError(`--file ${opts.file} does not exist`);
      const cfg = ctx.loadConfig();
      const base = await createKnowledgeBase(cfg, { logger });
      try {
        const search = async (q: string) => (q.trim() ? (await base.retriever.invoke(q, { k: opts.k })).map(publicHit) : []);
        if (query !== undefined) {
          ctx.printJson(await search(query));
          return;
        }
        const lines = readline.createInterface({ input: fs.createReadStream(opts.file!, 'utf8'), crlfDelay: Infinity });
        // A blank line still gets its (empty) array, so output line n always answers input line n.
        for await (const line of lines) ctx.printJson(await search(line));
      } finally {
        await base.dispose();
      }
    });
}
