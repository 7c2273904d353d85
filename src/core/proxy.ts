/**
 * Which proxy, if any, a request goes through: HTTP_PROXY for http:// URLs, HTTPS_PROXY for https://
 * URLs (through a CONNECT tunnel, so the proxy sees only the host), unless NO_PROXY names the host.
 * The values come in as settings: the CLI reads the environment, nothing here reads `process.env`.
 *
 * The agents are http-proxy-agent and https-proxy-agent (TooTallNate's, which got and most of npm
 * use), one per proxy and kept alive, so a proxied crawl reuses its connections as a direct one does.
 * A proxy URL's credentials (`http://user:pass@host:3128`) are sent as Proxy-Authorization and are
 * masked wherever a message names the proxy.
 *
 * NO_PROXY is read as curl reads it (no library takes the value as an argument: proxy-from-env reads
 * the environment itself). Entries are separated by commas or spaces; `example.com` and `.example.com`
 * match that host and its subdomains; `host:port` only that port; an IP address only itself; a CIDR
 * range (`10.0.0.0/8`) the addresses in it; `*` alone every host.
 */
import type { Agent, AgentOptions } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { HttpProxyAgent } from 'http-proxy-agent';
import type { HttpsProxyAgent } from 'https-proxy-agent';
import { UsageError } from './errors';

/** Values as in the HTTP_PROXY, HTTPS_PROXY and NO_PROXY environment variables; '' for none. */
export interface ProxySettings {
  /** The proxy for http:// URLs, e.g. `http://proxy.internal:3128` (a missing scheme means http://). */
  httpProxy: string;
  /** The proxy for https:// URLs, reached with CONNECT; it may itself be http:// or https://. */
  httpsProxy: string;
  /** Hosts reached directly, e.g. `localhost,127.0.0.1,.internal.example`; `*` for all. */
  noProxy: string;
}

/** Options for the proxy agents: keep-alive and idle timeout, and the CA for self-signed servers. */
export type ProxyAgentOptions = AgentOptions & Pick<SecureContextOptions, 'ca'>;

/** A route through a proxy: the agent to send with, and the proxy's URL for messages, credentials masked. */
export interface ProxyRoute {
  agent: Agent;
  proxy: string;
}

/**
 * The proxy agents' classes, loaded on first use: the two packages (and their dependencies) take a
 * tenth of a second or more to load, which a crawl without a proxy, the usual case, need not pay.
 */
function proxyAgents(): { HttpProxyAgent: typeof HttpProxyAgent; HttpsProxyAgent: typeof HttpsProxyAgent } {
  /* eslint-disable @typescript-eslint/no-require-imports -- a lazy load; `import()` would make this async */
  return {
    HttpProxyAgent: (require('http-proxy-agent') as typeof import('http-proxy-agent')).HttpProxyAgent,
    HttpsProxyAgent: (require('https-proxy-agent') as typeof import('https-proxy-agent')).HttpsProxyAgent,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export class ProxyRoutes {
  private readonly http: ProxyRoute | undefined;
  private readonly https: ProxyRoute | undefined;
  private readonly noProxy: NoProxy;

  constructor(settings: ProxySettings, agentOptions: ProxyAgentOptions) {
    const httpProxy = parseProxyUrl('HTTP_PROXY', settings.httpProxy);
    const httpsProxy = parseProxyUrl('HTTPS_PROXY', settings.httpsProxy);
    this.http = httpProxy && {
      agent: new (proxyAgents().HttpProxyAgent)(httpProxy, agentOptions),
      proxy: redactUrl(httpProxy.href),
    };
    this.https = httpsProxy && {
      agent: new (proxyAgents().HttpsProxyAgent)(httpsProxy, agentOptions),
      proxy: redactUrl(httpsProxy.href),
    };
    this.noProxy = new NoProxy(settings.noProxy);
  }

  /** The proxy to send `url` through, or undefined to connect directly. */
  routeFor(url: URL): ProxyRoute | undefined {
    const route = url.protocol === 'https:' ? this.https : this.http;
    if (!route || this.noProxy.matches(url)) return undefined;
    return route;
  }

  /** Destroys the proxy agents' sockets. */
  close(): void {
    this.http?.agent.destroy();
    this.https?.agent.destroy();
  }
}

/** A parsed NO_PROXY value. */
export class NoProxy {
  private readonly all: boolean;
  /** Host names and IP addresses (without brackets), with the port they are limited to (0: any). */
  private readonly hosts: { host: string; port: number }[] = [];
  private readonly ranges = new BlockList();
  private readonly hasRanges: boolean;

  constructor(value: string) {
    const entries = value
      .toLowerCase()
      .split(/[\s,]+/)
      .filter((entry) => entry !== '');
    this.all = entries.includes('*');
    let hasRanges = false;
    for (const entry of entries) {
      const range = /^([^/]+)\/(\d{1,3})$/.exec(entry);
      const family = range ? isIP(range[1]) : 0;
      if (range && family) {
        this.ranges.addSubnet(range[1], Number(range[2]), family === 6 ? 'ipv6' : 'ipv4');
        hasRanges = true;
        continue;
      }
      this.hosts.push(parseHostEntry(entry));
    }
    this.hasRanges = hasRanges;
  }

  /** Whether `url` is to be reached directly. */
  matches(url: URL): boolean {
    if (this.all) return true;
    const host = bareHost(url.hostname);
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const family = isIP(host);
    if (family && this.hasRanges && this.ranges.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true;
    return this.hosts.some(
      (entry) =>
        (entry.port === 0 || entry.port === port) &&
        (host === entry.host || (!family && host.endsWith(`.${entry.host}`))),
    );
  }
}

/** `[::1]:8080` → ::1 and 8080; `*.example.com.` → example.com; `::1` (a bare IPv6 address) has no port. */
function parseHostEntry(entry: string): { host: string; port: number } {
  let host = entry;
  let port = 0;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (bracketed) {
    host = bracketed[1];
    port = Number(bracketed[2] ?? 0);
  } else if (withPort) {
    host = withPort[1];
    port = Number(withPort[2]);
  }
  return { host: bareHost(host.replace(/^\*?\.?/, '')), port };
}

/** A host name as compared: no IPv6 brackets, no trailing dot. */
function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function parseProxyUrl(name: string, value: string): URL | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    throw new UsageError(
      `${name} is not a URL (${redactUrl(trimmed)}): set it like http://proxy.example:3128, or leave it empty`,
      { seeHelp: false },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `${name} is a ${url.protocol.slice(0, -1)} proxy (${redactUrl(trimmed)}): only http:// and https:// proxies are supported`,
      { seeHelp: false },
    );
  }
  return url;
}

/** A URL with its credentials masked: `http://user:pass@host:3128/` → `http://***@host:3128/`. */
export function redactUrl(url: string): string {
  return url.replace(/^((?:[a-z][a-z\d+.-]*:)?\/\/)?[^/?#@]*@/i, '$1***@');
}
