/**
 * `moneta credit score --model german|taiwan --input <file>` (CONTRACTS §5): scores a file in the data set's original
 * format (german.data lines; taiwan train.csv with its header), streaming it in chunks through TensorFlow.js. Prints
 * one probability of default per data row, in input order; a label column is ignored; a malformed row prints an empty
 * line and an error naming its line number on stderr, and the others carry on. Also `moneta credit models`.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { datasetFor } from '../../models/credit/lib/datasets/index.ts';
import type { Applicant } from '../../models/credit/lib/schema.ts';
import { ValidationError } from '../errors.ts';
import { openPostgres } from '../db/postgres.ts';
import { PostgresCreditAuditLog, SqliteCreditAuditLog } from '../skills/credit/audit-log.ts';
import { CreditService } from '../skills/credit/credit-service.ts';
import type { CliContext } from './main.ts';

/** Rows scored per TensorFlow.js call (bounded memory for any file size). */
const CHUNK = 2048;

/** Writes to stdout, waiting when the pipe is full (so a slow reader never makes us buffer the whole file). */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

/** Formats a probability compactly but precisely enough to rank (8 significant digits). */
export function formatProbability(p: number): string {
  return String(Number(p.toPrecision(8)));
}

/** Registers the `credit` command group. */
export function registerCreditCommand(program: Command, ctx: CliContext): void {
  const credit = program.command('credit').description('Credit risk: score data set files with the credit models');

  credit
    .command('score')
    .description('Score a file in a data set’s original format; prints one probability of default per data row')
    .requiredOption('--model <name>', 'model name: german (german.data format) or taiwan (train.csv format)')
    .requiredOption('--input <file>', 'input file')
    .action(async (opts: { model: string; input: string }) => {
      const dataset = datasetFor(opts.model);
      if (!dataset) throw new ValidationError(`--model must be german or taiwan, got "${opts.model}"`);
      if (!fs.existsSync(opts.input) || !fs.statSync(opts.input).isFile()) throw new ValidationError(`--input ${opts.input} is not a readable file`);
      const config = ctx.loadConfig();
      // With MONETA_DATABASE_URL, batch scores are audited in PostgreSQL like the servers' assessments.
      const database = config.database.url ? await openPostgres({ url: config.database.url, poolSize: 2 }) : undefined;
      const auditLog = database ? await PostgresCreditAuditLog.open({ pool: database.pool }) : new SqliteCreditAuditLog({ dir: config.dataDir });
      const service = await CreditService.load({ modelsDir: config.credit.modelsDir, auditLog, tfBackend: config.credit.tfBackend });
      const closeDatabase = async (): Promise<void> => {
        await database?.close();
      };
      try {
        service.model(opts.model);
        let reader: ReturnType<typeof dataset.createReader>['reader'] | undefined;
        // Output slots for the current chunk: an applicant to score, or null for a malformed row.
        let slots: Array<Applicant | null> = [];
        let scored = 0;
        let malformed = 0;
        const flush = async (): Promise<void> => {
          const valid = slots.filter((s): s is Applicant => s !== null);
          const probabilities = valid.length ? await service.scoreBatch(opts.model, valid, 'cli') : new Float64Array();
          let next = 0;
          let out = '';
          for (const slot of slots) out += slot === null ? '\n' : `${formatProbability(probabilities[next++]!)}\n`;
          await write(out);
          scored += valid.length;
          slots = [];
        };
        const lines = readline.createInterface({ input: fs.createReadStream(opts.input, 'utf8'), crlfDelay: Infinity });
        let lineNumber = 0;
        for await (const rawLine of lines) {
          lineNumber++;
          const line = rawLine.replace(/\r$/, '');
          if (!reader) {
            const created = dataset.createReader(line);
            reader = created.reader;
            if (created.skipFirst) continue; // a header line has no output line
          }
          const parsed = line.trim() === '' ? { ok: false as const, error: 'empty line' } : reader.parseLine(line);
          if (parsed.ok) {
            slots.push(parsed.record.applicant);
          } else {
            malformed++;
            ctx.warn(`error: ${opts.input} line ${lineNumber}: ${parsed.error}`);
            slots.push(null);
          }
          if (slots.length >= CHUNK) await flush();
        }
        await flush();
        ctx.warn(`scored ${scored} row(s) with ${opts.model} ${service.model(opts.model).version}${malformed ? `; ${malformed} malformed row(s) left empty` : ''}`);
      } finally {
        await service.dispose(); // flushes the audit log
        await closeDatabase();
      }
    });

  credit
    .command('models')
    .description('List the credit models with version and cross-validated metrics (JSON)')
    .action(async () => {
      const config = ctx.loadConfig();
      const service = await CreditService.load({ modelsDir: config.credit.modelsDir, tfBackend: config.credit.tfBackend });
      try {
        ctx.printJson(service.listModels());
      } finally {
        await service.dispose();
      }
    });
}
