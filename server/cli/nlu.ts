/** `moneta nlu parse "<text>"` and `moneta nlu parse --file <path>` (CONTRACTS §3): one JSON parse result per line. */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import type { MonetaConfig } from '../config/index.ts';
import { ValidationError } from '../errors.ts';
import { toParseResponse } from '../http/nlu-router.ts';
import { RuleEntityExtractor } from '../nlu/entities/index.ts';
import { KeywordIntentClassifier } from '../nlu/keyword-intent-classifier.ts';
import { StagedNluPipeline } from '../nlu/pipeline.ts';
import { loadTransformerNlu } from '../nlu/transformer-nlu.ts';
import type { CliContext } from './main.ts';

/** Lines parsed per model call in `--file` mode. */
const BATCH = 64;

/** The same NLU pipeline the server builds for `config.nlu.classifier`. */
async function buildPipeline(config: MonetaConfig): Promise<StagedNluPipeline> {
  if (config.nlu.classifier === 'keyword') {
    return new StagedNluPipeline({ classifier: new KeywordIntentClassifier(), entityExtractors: [new RuleEntityExtractor()] });
  }
  const t = await loadTransformerNlu(config.nlu);
  return new StagedNluPipeline({ classifier: t.classifier, entityExtractors: [new RuleEntityExtractor()], stages: t.stages });
}

/** Registers `nlu parse` on the program. */
export function registerNluCommand(program: Command, ctx: CliContext): void {
  const nlu = program.command('nlu').description('Intent classification: parse messages with the configured NLU pipeline');
  nlu
    .command('parse')
    .description('Parse a message (or every line of --file, in input order, batched); prints one JSON object per line')
    .argument('[text]', 'the message')
    .option('--file <path>', 'one message per line')
    .action(async (text: string | undefined, opts: { file?: string }) => {
      if ((text === undefined) === (opts.file === undefined)) {
        throw new ValidationError('Give either a message or --file <path> (one message per line)');
      }
      if (opts.file !== undefined && !fs.existsSync(opts.file)) throw new ValidationError(`--file ${opts.file} does not exist`);
      const pipeline = await buildPipeline(ctx.loadConfig());
      try {
        if (text !== undefined) {
          ctx.printJson(toParseResponse(await pipeline.parse(text)));
          return;
        }
        const lines = readline.createInterface({ input: fs.createReadStream(opts.file!, 'utf8'), crlfDelay: Infinity });
        let batch: string[] = [];
        const flush = async () => {
          // Every line, even a blank one, gets its result, so output line n always answers input line n.
          for (const r of await pipeline.parseBatch(batch)) ctx.printJson(toParseResponse(r));
          batch = [];
        };
        for await (const line of lines) {
          batch.push(line);
          if (batch.length >= BATCH) await flush();
        }
        if (batch.length > 0) await flush();
      } finally {
        await pipeline.dispose();
      }
    });
}
