/**
 * The `moneta` command (commander): `serve` plus the feature command groups `nlu`, `kb`, `credit`, `portfolio`.
 * Output conventions: JSON to stdout, diagnostics to stderr, non-zero exit with a clear message on error (stack only
 * with MONETA_DEBUG=1). This is the CLI's entry, so (like server/main.ts) it may read environment variables.
 */
import { Command, CommanderError } from 'commander';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT, type MonetaConfig, type MonetaConfigInput } from '../config/index.ts';
import { isMonetaError } from '../errors.ts';

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

/** A feature command group: its name and description (for `--help`) and how to load its registration. */
export interface FeatureCommand {
  name: string;
  description: string;
  /** Imports the feature's `server/cli/<feature>.ts` and returns its `register<Feature>Command`. */
  load?: () => Promise<RegisterCommand>;
}

/**
 * Feature command groups: add `load` for yours (one line). Modules load only when their group is named on the command
 * line, so `moneta serve` does not pay for @huggingface/transformers, TensorFlow.js or LangChain imports that only a
 * subcommand needs (they cost seconds of start-up; see docs/platform.md, "Start-up time").
 */
const FEATURE_COMMANDS: FeatureCommand[] = [
  { name: 'nlu', description: 'intent classification: parse messages, evaluate the model', load: async () => (await import('./nlu.ts')).registerNluCommand },
  { name: 'kb', description: 'knowledge base: build the index, search passages', load: async () => (await import('./kb.ts')).registerKbCommand },
  { name: 'credit', description: 'credit risk: score data set files with the credit models', load: async () => (await import('./credit.ts')).registerCreditCommand },
  { name: 'portfolio', description: 'portfolio optimiser: optimise on a CSV of prices', load: async () => (await import('./portfolio.ts')).registerPortfolioCommand },
  { name: 'console', description: 'staff console: create local staff accounts', load: async () => (await import('./console.ts')).registerConsoleCommand },
];

/**
 * Builds the program (exported for tests). Feature groups named in `argv` (the command to run, or the subject of
 * `help <group>`) are loaded and registered; the others appear in `--help` with their description only. Pass
 * `loadAll` to register every group (e.g. to inspect the whole command tree).
 */
export async function buildProgram(argv: readonly string[] = process.argv.slice(2), loadAll = false): Promise<Command> {
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
      // Imported here, not at the top: the feature subcommands do not need Express, Socket.IO or the skills.
      const { startServer } = await import('../start-server.ts');
      const server = await startServer(config);
      await server.ready;
    });

  const named = new Set(argv);
  for (const feature of FEATURE_COMMANDS) {
    if (feature.load && (loadAll || named.has(feature.name))) {
      (await feature.load())(program, ctx);
      continue;
    }
    // Listed in --help without loading its module; a group nobody implemented yet says so instead of "unknown command".
    program
      .command(feature.name)
      .description(feature.load ? feature.description : `${feature.description} (not available yet)`)
      .allowUnknownOption()
      .argument('[args...]')
      .action(() => {
        throw new CliError(`"moneta ${feature.name}" is not available in this version yet.`);
      });
  }
  return program;
}

/** An expected CLI failure: printed as `error: message`, exit code 1, no stack trace. */
export class CliError extends Error {}

async function main(): Promise<void> {
  try {
    const program = await buildProgram();
    program.exitOverride();
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help/version text).
      process.exitCode = error.exitCode;
      return;
    }
    const message = isMonetaError(error) || error instanceof CliError ? error.message : error instanceof Error ? error.message : String(error);
    // Operators see repository-relative paths (the same text may reach logs shipped elsewhere).
    const shown = message.replaceAll(`${PROJECT_ROOT}${path.sep}`, '');
    process.stderr.write(`error: ${shown}\n`);
    if (process.env.MONETA_DEBUG === '1') console.error(error);
    process.exitCode = 1;
  }
}

await main();
