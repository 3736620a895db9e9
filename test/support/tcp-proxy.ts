import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real service (Postgres, say) that a test can cut and restore:
 * cut, every open connection is reset and new ones are reset as they arrive, which is an
 * outage as the provider sees it; restored, connections reach the service again.
 */
export class TcpProxy {
  private readonly open = new Set<Socket>();
  private cutOff = false;
  private readonly server = createServer((client) => this.relay(client));

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(serviceUrl: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(serviceUrl);
    const proxy = new TcpProxy({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  /** The service's URL with its address replaced by the proxy's. */
  urlFor(serviceUrl: string): string {
    const url = new URL(serviceUrl);
    url.hostname = '127.0.0.1';
    url.port = String((this.server.address() as { port: number }).port);
    return url.href;
  }

  cut(): void {
    this.cutOff = true;
    for (const socket of this.open) socket.resetAndDestroy();
  }

  restore(): void {
    this.cutOff = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    if (this.cutOff) return void client.resetAndDestroy();
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.open.add(socket);
      socket.on('close', () => this.open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
