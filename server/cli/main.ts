/**
 * The `moneta` command (commander): `serve` plus the feature command groups `nlu`, `kb`, `credit`, `portfolio`.
 * Output conventions: JSON to stdout, diagnostics to stderr, non-zero exit with a clear message on error (stack only
 * with MONETA_DEBUG=1). This is the CLI's entry, so (like server/main.ts) it may read environment variables.
 */
import { Command, CommanderError } from 'commander';
import { loadConfig, type MonetaConfig, type MonetaConfigInput } from '../config/index.ts';
import { isMonetaError } from '../errors.ts';
import { startServer } from '../start-server.ts';
import { registerCreditCommand } from './credit.ts';
import { registerKbCommand } from './kb.ts';
import { registerNluCommand } from './nlu.ts';
import { registerPortfolioCommand } from './portfolio.ts';

/** What feature command modules get: config loading (env + overrides) and the output helpers. */
export interface CliContext {
  /** The validated config from the environment, with CLI-option overrides applied. */
  loadConfig(overrides?: MonetaConfigInput): MonetaConfig;
  /** Writes one JSON value as a line to stdout. */
  printJson(value: unknown): void;
  /** Writes a diagnostic line to stderr. */
  warn(message: string): void;
}

/** Signature of `register<Feature>Command` in `server/cli/<feature>.ts`. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

const ctx: CliContext = {
  loadConfig: (overrides = {}) => loadConfig(process.env, overrides),
  printJson: (value) => process.stdout.write(`${JSON.stringify(value)}\n`),
  warn: (message) => process.stderr.write(`${message}\n`),
};

/** Feature command registrations: add one line per feature (`registerNluCommand`, `registerKbCommand`, …). */
const FEATURE_COMMANDS: RegisterCommand[] = [
  registerNluCommand,
  registerKbCommand,
  registerCreditCommand,
  registerPortfolioCommand,
];

/** Command groups other issues fill; a group nobody registered yet says so instead of "unknown command". */
const FEATURE_GROUPS: Array<[name: string, description: string]> = [
  ['nlu', 'intent classification: parse messages, evaluate the model'],
  ['kb', 'knowledge base: build the index, search passages'],
  ['credit', 'credit risk: score data set files with the credit models'],
  ['portfolio', 'portfolio optimiser: optimise on a CSV of prices'],
];

/** Builds the program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('moneta')
    .description('Moneta: self-hosted conversational banking assistant and robo-advisor.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('serve')
    .description('serve HTTP, Socket.IO chat, the widget and the demo page (same as npm start)')
    .option('-p, --port <port>', 'port to listen on (env PORT, default 3000)')
    .option('--host <host>', 'interface to bind (env HOST, default 0.0.0.0)')
    .action(async (opts: { port?: string; host?: string }) => {
      const config = ctx.loadConfig({
        server: { ...(opts.port !== undefined ? { port: opts.port as unknown as number } : {}), ...(opts.host ? { host: opts.host } : {}) },
      });
      const server = await startServer(config);
      await server.ready;
    });

  for (const register of FEATURE_COMMANDS) register(program, ctx);
  for (const [name, description] of FEATURE_GROUPS) {
    if (program.commands.some((c) => c.name() === name)) continue;
    program
      .command(name)
      .description(`${description} (not available yet)`)
      .allowUnknownOption()
      .argument('[args...]')
      .action(() => {
        throw new CliError(`"moneta ${name}" is not available in this version yet.`);
      });
  }
  return program;
}

/** An expected CLI failure: printed as `error: message`, exit code 1, no stack trace. */
export class CliError extends Error {}

async function main(): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help/version text).
      process.exitCode = error.exitCode;
      return;
    }
    const message = isMonetaError(error) || error instanceof CliError ? error.message : error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    if (process.env.MONETA_DEBUG === '1') console.error(error);
    process.exitCode = 1;
  }
}

await main();
