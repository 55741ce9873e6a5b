import { spawn, type ChildProcess } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { Bundles } from './bundle';
import { LogTail, WORKSPACE_ROOT } from '@persistd/testkit';
import { stopChild } from './child';
import { STREAM_LIMIT_SERVICE } from './stream-limit-server';

/** The stream limit server process (stream-limit-server.ts) and a client of it. */
export class StreamLimit {
  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
  ) {}

  /** Starts the server from its bundle (Bundles.build('procs/stream-limit-server')). */
  static async start(script: string, redisUrl: string, prefix: string): Promise<StreamLimit> {
    const child = spawn(process.execPath, [script, redisUrl, prefix], { cwd: WORKSPACE_ROOT, env: Bundles.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const log = new LogTail();
    log.follow(child.stderr);
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (s: string) => {
        out += s;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('exit', () => reject(new Error(`bench: the stream limit server exited:\n${log.text()}`)));
    });
    return new StreamLimit(child, `127.0.0.1:${port}`);
  }

  /** Makes the server read and frame a world's latest epoch (untimed). */
  load(client: grpc.Client, worldId: string): Promise<void> {
    return new Promise((resolve, reject) =>
      client.makeUnaryRequest(`/${STREAM_LIMIT_SERVICE}/Load`, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(worldId), (err) => (err ? reject(err) : resolve())),
    );
  }

  stop(): Promise<void> {
    return stopChild(this.child, 5000);
  }
}

/** The limit's Restore path. */
export const STREAM_LIMIT_RESTORE = `/${STREAM_LIMIT_SERVICE}/Restore`;
