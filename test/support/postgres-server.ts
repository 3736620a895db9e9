import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './provider.js';

const run = promisify(execFile);

/** The newest installed server's programs (Debian keeps them out of PATH). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root}`);
  return join(root, versions[0], 'bin');
}

/**
 * A private Postgres cluster for tests that stop and restart it; the shared server is left
 * alone. Postgres refuses to run as root, so as root its programs run as the `postgres` user.
 */
export class PrivatePostgres {
  private readonly bin = postgresBin();

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'op-pg-'));
    const server = new PrivatePostgres(dir, await freePort());
    if (process.getuid?.() === 0) {
      const { uid, gid } = statSync(join('/var/lib/postgresql'));
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    await server.as('initdb', [
      '-D',
      server.data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    await server.up();
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  async up(): Promise<void> {
    await this.as('pg_ctl', [
      'start',
      '-D',
      this.data,
      '-w',
      '-l',
      join(this.dir, 'log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    ]);
    // `pg_ctl start -w` returns once the server accepts connections.
    if (!(await this.accepts())) throw new Error(`postgres did not start on port ${this.port}`);
  }

  /** Stops the server at once, as a crash would: open connections are cut. */
  async down(): Promise<void> {
    await this.as('pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w']).catch(() => {});
  }

  async dispose(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async accepts(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async as(program: string, args: string[]): Promise<void> {
    const command = join(this.bin, program);
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', command, ...args]);
    else await run(command, args);
  }
}
