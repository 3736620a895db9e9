import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from './provider.js';

/** A private redis-server for tests that stop and restart it; the shared one is left alone. */
export class PrivateRedis {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    /** With a folder, every write is in its append-only file before Redis answers it. */
    private readonly dataDir?: string,
  ) {}

  /**
   * `persistent`: as docs/operations.md asks of production (an append-only file, synced on
   * every write), so a restart keeps the data; otherwise a restart starts empty.
   */
  static async start(options: { persistent?: boolean } = {}): Promise<PrivateRedis> {
    const dir = options.persistent ? mkdtempSync(join(tmpdir(), 'op-redis-')) : undefined;
    const redis = new PrivateRedis(await freePort(), dir);
    await redis.up();
    return redis;
  }

  /** Stops it and removes its files. */
  async dispose(): Promise<void> {
    await this.down();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.process = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        ...(this.dataDir
          ? ['--dir', this.dataDir, '--appendonly', 'yes', '--appendfsync', 'always']
          : ['--appendonly', 'no']),
      ],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      if (await accepts(this.port)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  async down(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
