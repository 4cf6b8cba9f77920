/** `moneta console add-user`: creates or updates a local staff account of the console (bcrypt-hashed password). */
import type { Command } from 'commander';
import { StaffUserStore, STAFF_ROLES, type StaffRole } from '../console/auth/staff-users.ts';
import { openConsoleDb } from '../console/console-db.ts';
import { consoleDbFile } from '../console/staff-console.ts';
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
  const group = program.command('console').description('staff console: local accounts');
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
      const db = openConsoleDb(consoleDbFile(config));
      try {
        await new StaffUserStore(db).upsert({ username: opts.username, displayName: opts.name ?? opts.username, role: opts.role as StaffRole, password });
      } finally {
        db.close();
      }
      ctx.printJson({ username: opts.username, role: opts.role, file: consoleDbFile(config) });
    });
}
