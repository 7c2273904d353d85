/**
 * `crawl.ts serve` as a user starts it, on a free port: resolves once it says where it listens.
 */
import { spawnCli } from './cli';

export interface RunningServe {
  url: string;
  /** Everything it logged so far. */
  log(): string;
  stop(): Promise<number | null>;
}

export async function startServe(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<RunningServe> {
  const serve = spawnCli(['serve', '--port', '0', ...args], { env, timeoutMs: 600_000 });
  let log = '';
  serve.child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  for (let i = 0; i < 300; i++) {
    const match = /status page on (http:\/\/\S+?)\/ /.exec(log);
    if (match) {
      return {
        url: match[1],
        log: () => log,
        stop: async () => {
          serve.child.kill('SIGTERM');
          return (await serve.done).code;
        },
      };
    }
    if (serve.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  serve.child.kill('SIGKILL');
  throw new Error(`serve did not start:\n${log}`);
}
