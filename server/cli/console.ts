/**
 * `moneta console add-user`: creates or updates a local staff account of the console (bcrypt-hashed password).
 * `moneta console export-training`: writes the review corrections where `npm run train:intent` and the knowledge
 * maintainers pick them up. `moneta console rebuild-archive`: re-derives the console's archive from the session store.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { PROJECT_ROOT, sessionStoreKind } from '../config/index.ts';
import { ReviewService } from '../console/review/review-service.ts';
import { PostgresReviewStore } from '../console/review/postgres-review-store.ts';
import { SqliteReviewStore, type StoredCorrection } from '../console/review/review-store.ts';
import { PostgresStaffUserStore, StaffUserStore, STAFF_ROLES, type StaffRole } from '../console/auth/staff-users.ts';
import { openPostgres } from '../db/postgres.ts';
import { openConsoleDb } from '../console/console-db.ts';
import { consoleArchivePool, consoleDbFile } from '../console/staff-console.ts';
import { PostgresConversationArchive } from '../console/archive/postgres-conversation-archive.ts';
import { SqliteConversationArchive } from '../console/archive/conversation-archive.ts';
import { ValidationError } from '../errors.ts';
import type { CliContext } from './main.ts';

/** Reads the password from stdin (piped), so it never appears in the process list or shell history. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Registers `moneta console …`. */
export function registerConsoleCommand(program: Command, ctx: CliContext): void {
  const group = program.command('console').description('staff console: local accounts, training export, archive rebuild');
  group
    .command('add-user')
    .description('create or update a local staff account; the password is read from stdin (or MONETA_CONSOLE_PASSWORD)')
    .requiredOption('-u, --username <name>', 'sign-in name (lower-case letters, digits, . _ -)')
    .requiredOption('-r, --role <role>', `one of ${STAFF_ROLES.join(', ')}`)
    .option('-n, --name <display name>', 'name shown to customers when an agent joins (default: the username)')
    .action(async (opts: { username: string; role: string; name?: string }) => {
      if (!STAFF_ROLES.includes(opts.role as StaffRole)) throw new ValidationError(`--role must be one of ${STAFF_ROLES.join(', ')}`);
      const config = ctx.loadConfig();
      const password = process.env.MONETA_CONSOLE_PASSWORD ?? (process.stdin.isTTY ? '' : await readStdin());
      if (!password) throw new ValidationError('Give the password on stdin, e.g. `printf %s "$PASSWORD" | npx moneta console add-user …`.');
      const account = { username: opts.username, displayName: opts.name ?? opts.username, role: opts.role as StaffRole, password };
      if (config.database.url) {
        // Production mode: the account goes to the shared PostgreSQL, where every process signs staff in.
        const database = await openPostgres({ url: config.database.url, poolSize: 1 });
        try {
          await new PostgresStaffUserStore(database.pool).upsert(account);
        } finally {
          await database.close();
        }
        ctx.printJson({ username: opts.username, role: opts.role, database: database.target });
        return;
      }
      const db = openConsoleDb(consoleDbFile(config));
      try {
        await new StaffUserStore(db).upsert(account);
      } finally {
        db.close();
      }
      ctx.printJson({ username: opts.username, role: opts.role, file: consoleDbFile(config) });
    });
  group
    .command('export-training')
    .description('write the console corrections as training data (intent JSONL for npm run train:intent; passage questions YAML)')
    .option('--intents <file>', 'intent corrections, training-only JSONL', path.join(PROJECT_ROOT, 'models', 'intent', 'data', 'console-corrections.jsonl'))
    .option('--questions <file>', 'passage corrections as `questions:` per passage (YAML)', path.join(PROJECT_ROOT, 'data', 'console-passage-questions.yaml'))
    .action(async (opts: { intents: string; questions: string }) => {
      const config = ctx.loadConfig();
      // Where the running console keeps them: the shared PostgreSQL with the PostgreSQL session store, else the file.
      const database = config.database.url && sessionStoreKind(config) === 'postgres' ? await openPostgres({ url: config.database.url, poolSize: 1 }) : undefined;
      const db = database ? undefined : openConsoleDb(consoleDbFile(config));
      try {
        // Export only reads the corrections: no session store, intents or passages are needed.
        const review = new ReviewService({
          store: database ? new PostgresReviewStore(database.pool) : new SqliteReviewStore(db!),
          sessions: () => {
            throw new Error('not needed');
          },
          intents: () => [],
          passages: () => undefined,
        });
        const jsonl = await review.exportIntentJsonl();
        const yaml = await review.exportPassageQuestionsYaml();
        for (const [file, text] of [[opts.intents, jsonl], [opts.questions, yaml]] as const) {
          fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
          fs.writeFileSync(file, text);
        }
        ctx.printJson({ intents: { file: opts.intents, lines: jsonl.split('\n').filter(Boolean).length }, questions: { file: opts.questions }, from: database ? database.target : consoleDbFile(config) });
      } finally {
        db?.close();
        await database?.close();
      }
    });
  group
    .command('rebuild-archive')
    .description('re-derive the conversation archive (search, analytics) from the session store, keeping corrections: after upgrading to the shared PostgreSQL archive, or to heal one')
    .option('--import-corrections <files...>', "the processes' console.sqlite files from before the upgrade: their corrections are copied into the shared archive (the newer one per message wins)")
    .action(async (opts: { importCorrections?: string[] }) => {
      const config = ctx.loadConfig();
      const { buildSessionStore } = await import('../bootstrap.ts');
      const { openEngines } = await import('../db/engines.ts');
      const engines = await openEngines(config);
      try {
        const store = buildSessionStore(config, engines);
        if (!store.listIds) throw new ValidationError(`The ${sessionStoreKind(config)} session store cannot list its conversations: nothing to rebuild from.`);
        // The archive the running console uses (staff-console.ts decides the same way).
        const pool = consoleArchivePool(config, engines.postgres?.pool);
        const db = pool ? undefined : openConsoleDb(consoleDbFile(config));
        try {
          const archive = pool ? new PostgresConversationArchive(pool) : new SqliteConversationArchive(db!);
          let conversations = 0;
          let events = 0;
          let dropped = 0;
          const ids = await store.listIds();
          // Conversations erased from the store whose archive copy survived (an erase whose archive step failed).
          const kept = new Set(ids);
          for (const id of await archive.conversationIds()) {
            if (kept.has(id)) continue;
            await archive.forget(id);
            dropped += 1;
          }
          for (const id of ids) {
            // The stored events are already masked (the masking step runs before every store).
            const record = await store.get(id);
            if (!record) continue; // erased meanwhile
            await archive.rebuild(id, record.events);
            conversations += 1;
            events += record.events.length;
          }
          let imported = 0;
          if (opts.importCorrections?.length) {
            if (!pool) throw new ValidationError('--import-corrections copies into the shared PostgreSQL archive: set MONETA_DATABASE_URL (with the PostgreSQL session store).');
            const target = new PostgresReviewStore(pool);
            const found: StoredCorrection[] = [];
            for (const file of opts.importCorrections) {
              const source = new Database(file, { readonly: true, fileMustExist: true });
              try {
                found.push(...(source.prepare('SELECT session_id AS sessionId, message_seq AS seq, text, intent, passage_id AS passageId, staff, at FROM corrections').all() as StoredCorrection[]));
              } finally {
                source.close();
              }
            }
            for (const c of found.sort((x, y) => x.at - y.at)) {
              if (!kept.has(c.sessionId)) continue; // erased since: its corrections go with it
              const current = (await target.corrections(c.sessionId)).find((x) => x.seq === c.seq);
              if (current && current.at >= c.at) continue;
              await target.saveCorrection(c);
              imported += 1;
            }
          }
          ctx.printJson({ conversations, events, dropped, imported, archive: pool ? engines.postgres!.target : consoleDbFile(config) });
        } finally {
          db?.close();
          await store.close();
        }
      } finally {
        await engines.close();
      }
    });
}
