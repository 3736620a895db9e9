import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default: PGlite (Postgres compiled to WebAssembly) with its data in DATA_DIR,
 * served to the ordinary `pg` driver over a Unix socket inside that folder, so TypeORM and the
 * migrations run unchanged. One process and one connection at a time: for development only.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockFile: string,
    /** Directory holding the socket, in the form `pg` expects as `host`. */
    readonly socketDir: string,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
    const lockFile = join(dataDir, 'embedded.pid');
    claimLock(lockFile, dataDir);
    try {
      const db = await PGlite.create({
        dataDir: join(dataDir, 'pgdata'),
        extensions: { pgcrypto },
      });
      const socketDir = join(dataDir, 'run');
      mkdirSync(socketDir, { recursive: true, mode: 0o700 });
      const socketPath = join(socketDir, '.s.PGSQL.5432');
      rmSync(socketPath, { force: true });
      const server = new PGLiteSocketServer({ db, path: socketPath });
      await server.start();
      return new EmbeddedPostgres(db, server, lockFile, socketDir);
    } catch (e) {
      rmSync(lockFile, { force: true });
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    rmSync(this.lockFile, { force: true });
  }
}

/** PGlite must not be opened by two processes at once: refuse while another one holds it. */
function claimLock(lockFile: string, dataDir: string): void {
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `The embedded database in ${dataDir} is in use by process ${holder} (a running provider?). ` +
        'Stop it first, or point DATABASE_URL at a Postgres server to run several processes.',
    );
  }
  writeFileSync(lockFile, String(process.pid), { mode: 0o600 });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
