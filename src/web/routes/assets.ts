/**
 * `/assets/*`: the page's style and script, and Vega, Vega-Lite and Vega-Embed from node_modules
 * (no CDN: the page works offline). A fixed list, read once; nothing else of the disk is served.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-error';

/** The directory of a package's main file (every Vega package keeps its builds there). */
const buildDir = (name: string) => dirname(require.resolve(name));

const ASSETS: Record<string, { path: () => string; type: string }> = {
  'status.css': { path: () => join(__dirname, '..', 'assets', 'status.css'), type: 'text/css' },
  'charts.js': { path: () => join(__dirname, '..', 'assets', 'charts.js'), type: 'text/javascript' },
  'vega.min.js': { path: () => join(buildDir('vega'), 'vega.min.js'), type: 'text/javascript' },
  'vega-lite.min.js': {
    path: () => join(buildDir('vega-lite'), 'vega-lite.min.js'),
    type: 'text/javascript',
  },
  'vega-embed.min.js': {
    path: () => join(buildDir('vega-embed'), 'vega-embed.min.js'),
    type: 'text/javascript',
  },
};

export function registerAssetRoutes(app: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  app.get('/assets/:file', async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const asset = Object.prototype.hasOwnProperty.call(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) throw new HttpError(404, `no asset ${JSON.stringify(file)}`);
    let body = cache.get(file);
    if (!body) {
      body = readFileSync(asset.path());
      cache.set(file, body);
    }
    reply.type(`${asset.type}; charset=utf-8`).header('cache-control', 'public, max-age=3600').send(body);
  });
}
