import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type LogLevel } from '../../src/logger.js';
import { answerClientErrorsWithJson } from '../../src/http/client-errors.js';
import { createRequestHandler } from '../../src/http/request-handler.js';
import { EnvironmentError } from '../core/errors.js';
import { CURSOR_SECRET } from '../runner/resolve-requests.js';
import { writesSinceSeeding } from '../fixture-store/fixture-store.js';
import { openFixtureForCli, type CliDatabaseArgs } from './open-fixture-for-cli.js';
import { watchParent } from './parent-watch.js';

export interface ServeArgs extends CliDatabaseArgs {
  impl: string;
  port: number;
  'log-level': string;
}

/** Serves the endpoint until SIGINT/SIGTERM or its parent's end, then closes the server and the database cleanly. */
export async function serveCommand(args: ServeArgs): Promise<number> {
  const { adapter, fixture } = await openFixtureForCli(args);
  const logger = createLogger('querygate:http', args['log-level'] as LogLevel);
  const handler = createRequestHandler(fixture.db, args.impl, { cursorSecret: CURSOR_SECRET, logger });
  const server = createServer((req, res) => void handler(req, res));
  answerClientErrorsWithJson(server);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(args.port, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await adapter.close();
    throw new EnvironmentError(`cannot listen on 127.0.0.1:${args.port}: ${(error as { code?: string }).code ?? String(error)}`);
  }
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`serving ${args.impl} on ${adapter.dialect} (fixture ${fixture.info.profile}, seed ${fixture.info.seed})\n`);
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    watchParent(() => resolve('the parent process is gone'));
  });
  try {
    process.stderr.write(`querygate: ${signal}: shutting down\n`);
  } catch {
    // the parent's end may have closed stderr
  }
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // The write endpoints change the cached fixture; the database counted it, and the next seed or
  // run rebuilds it rather than reuse changed data under the seeded checksum.
  const writes = await writesSinceSeeding(fixture.db).catch(() => 0);
  if (writes > 0) process.stderr.write(`querygate: ${writes} write${writes === 1 ? '' : 's'} changed the fixture ${fixture.namespace}; the next seed or run rebuilds it\n`);
  await adapter.close();
  return 0;
}
