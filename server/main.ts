/** Entry point: the only module (with the CLI entry) that reads environment variables. Config → server → shutdown on signals. */
import { loadConfig } from './config/index.ts';
import { isMonetaError } from './errors.ts';
import { startServer } from './start-server.ts';

try {
  const config = loadConfig(process.env);
  const server = await startServer(config);
  server.ready.catch(async (error: unknown) => {
    process.stderr.write(`Moneta could not load its models: ${isMonetaError(error) ? error.message : String(error)}\n`);
    await server.stop();
    process.exit(1);
  });
} catch (error) {
  process.stderr.write(`Moneta could not start: ${isMonetaError(error) ? error.message : String(error)}\n`);
  if (process.env.MONETA_DEBUG === '1') console.error(error);
  process.exit(1);
}
