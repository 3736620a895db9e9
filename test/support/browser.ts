/**
 * A small browser for the sign-in pages: a cookie jar, redirects followed within the
 * provider, and forms read from the HTML and submitted as a person would. It stops at the
 * first response that leaves the provider (the client's redirect URI) or is a page.
 */
export interface Visit {
  status: number;
  /** The final URL: a page of the provider, or where the provider sent the browser. */
  url: string;
  html: string;
  headers: Headers;
}

export interface Form {
  action: string;
  fields: Record<string, string>;
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');

export class Browser {
  /** `headers` go with every request (a proxy's `x-forwarded-for`, say). */
  constructor(
    private readonly origin: string,
    private readonly headers: Record<string, string> = {},
    readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser, its cookies shared, talking to another instance of the provider. */
  at(origin: string): Browser {
    return new Browser(origin, this.headers, this.cookies);
  }

  get(url: string, headers: Record<string, string> = {}): Promise<Visit> {
    return this.visit(url, { method: 'GET', headers });
  }

  post(url: string, form: Record<string, string>): Promise<Visit> {
    return this.visit(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** A POST with any body and content type, for requests no browser form would send. */
  visitRaw(url: string, contentType: string, body: string): Promise<Visit> {
    return this.visit(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  }

  /** The forms of a page, with their hidden and pre-filled fields. */
  static forms(html: string): Form[] {
    const forms: Form[] = [];
    for (const match of html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)) {
      const fields: Record<string, string> = {};
      for (const input of match[2].matchAll(/<input ([^>]*)>/g)) {
        // As a browser does: an unticked checkbox sends nothing.
        if (/type="checkbox"/.test(input[1]) && !/\bchecked\b/.test(input[1])) continue;
        const name = /name="([^"]*)"/.exec(input[1])?.[1];
        const value = /value="([^"]*)"/.exec(input[1])?.[1];
        if (name) fields[name] = decode(value ?? '');
      }
      forms.push({ action: decode(match[1]), fields });
    }
    return forms;
  }

  /** Fills the page's first form whose action ends with `step` and submits it. */
  async submit(page: Visit, step: string, values: Record<string, string>): Promise<Visit> {
    const form = Browser.forms(page.html).find((f) => f.action.endsWith(step));
    if (!form)
      throw new Error(
        `No ${step} form on ${page.url} (${page.status}): ${page.html.slice(0, 300)}`,
      );
    return this.post(new URL(form.action, page.url).href, { ...form.fields, ...values });
  }

  private async visit(url: string, init: RequestInit): Promise<Visit> {
    let current = url;
    let request = init;
    for (let hops = 0; hops < 10; hops++) {
      const res = await fetch(current, {
        ...request,
        redirect: 'manual',
        headers: {
          ...this.headers,
          ...(request.headers as Record<string, string>),
          cookie: this.cookieHeader(),
        },
      });
      for (const cookie of res.headers.getSetCookie()) this.store(cookie);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, current).href;
        if (!next.startsWith(this.origin)) {
          await res.arrayBuffer();
          return { status: res.status, url: next, html: '', headers: res.headers };
        }
        current = next;
        request = { method: 'GET', headers: {} };
        continue;
      }
      return { status: res.status, url: current, html: await res.text(), headers: res.headers };
    }
    throw new Error('Too many redirects');
  }

  private store(setCookie: string): void {
    const [pair, ...attributes] = setCookie.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}
