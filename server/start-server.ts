/** Starts a configured Moneta server (shared by `server/main.ts` and `moneta serve`) with graceful shutdown on signals. */
import { createApp, type MonetaApp } from './app.ts';
import { buildDefaultDeps } from './bootstrap.ts';
import type { MonetaConfig } from './config/index.ts';
import { createLogger, type MonetaLogger } from './observability/logger.ts';

/** Options for `startServer`. */
export interface StartServerOptions {
  logger?: MonetaLogger;
  /** Install SIGINT/SIGTERM handlers that shut down gracefully and exit. Default true. */
  handleSignals?: boolean;
  /** Called with the URL once listening (default: prints it to stdout). */
  onListening?: (url: string) => void;
}

/** A started server. */
export interface RunningServer {
  app: MonetaApp;
  url: string;
  port: number;
  /** Resolves when models are loaded (/healthz OK); rejects with the reason if loading failed. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds the dependencies, listens, prints the URL, then waits for slow loads in the background. The port opens first
 * so /healthz can report "starting" while models load.
 */
export async function startServer(config: MonetaConfig, options: StartServerOptions = {}): Promise<RunningServer> {
  const monetaLogger = options.logger ?? createLogger({ level: config.log.level, ...(config.log.hashSalt ? { hashSalt: config.log.hashSalt } : {}) });
  const { logger } = monetaLogger;
  const deps = await buildDefaultDeps(config, monetaLogger);
  const started = Date.now();
  const app = createApp({ config, logger: monetaLogger, ...deps });
  const { port, url } = await app.start(config.server.port, config.server.host);
  const publicUrl = config.server.publicUrl ?? url;
  (options.onListening ?? ((u: string) => process.stdout.write(`Moneta is running at ${u}\n`)))(publicUrl);
  logger.info({ port }, 'listening');

  // A model that fails to load stops the server (it must not sit at 503 forever): close, then reject with the reason.
  const ready = Promise.resolve(deps.ready).then(
    () => {
      logger.info({ ms: Date.now() - started }, 'ready');
    },
    async (error: unknown) => {
      await app.close().catch(() => undefined);
      throw error;
    },
  );

  const stop = (): Promise<void> => app.close();
  if (options.handleSignals ?? true) {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return { app, url: publicUrl, port, ready, stop };
}
