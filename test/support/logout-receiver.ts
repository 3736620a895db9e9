import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One POST a relying party's back-channel logout endpoint received. */
export interface ReceivedLogout {
  path: string;
  contentType: string | undefined;
  /** The `logout_token` of the form body. */
  token: string | undefined;
  /** Other members of the form body. */
  fields: string[];
  /** How the receiver answered: a status, or `hung` when it never did. */
  answered: number | 'hung';
}

/**
 * A relying party's back-channel logout endpoint on 127.0.0.1: records every POST and answers
 * each path as `behaviour(path, n)` says (n: the 1-based count of requests to that path):
 * a status, or a number of milliseconds to wait before answering 200 (`{ delayMs }`).
 */
export class LogoutReceiver {
  readonly received: ReceivedLogout[] = [];
  private server?: Server;
  private readonly counts = new Map<string, number>();
  private readonly open = new Set<ServerResponse>();

  constructor(
    private readonly behaviour: (
      path: string,
      n: number,
    ) => number | { delayMs: number } | 'hang' = () => 200,
  ) {}

  async listen(port = 0): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** The POSTs to a path. */
  to(path: string): ReceivedLogout[] {
    return this.received.filter((r) => r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const path = req.url ?? '/';
    const n = (this.counts.get(path) ?? 0) + 1;
    this.counts.set(path, n);
    const behaviour = req.method === 'POST' ? this.behaviour(path, n) : 405;
    const record: ReceivedLogout = {
      path,
      contentType: req.headers['content-type'],
      token: form.get('logout_token') ?? undefined,
      fields: [...form.keys()].filter((k) => k !== 'logout_token'),
      answered: 'hung',
    };
    this.received.push(record);
    if (behaviour === 'hang') {
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      return;
    }
    if (typeof behaviour === 'object') {
      this.open.add(res);
      await new Promise((r) => setTimeout(r, behaviour.delayMs));
      this.open.delete(res);
      if (res.destroyed) return;
    }
    const status = typeof behaviour === 'number' ? behaviour : 200;
    record.answered = status;
    res.writeHead(status, { 'cache-control': 'no-store' }).end();
  }
}
