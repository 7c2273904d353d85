/**
 * The built-in downloader middlewares DOWNLOADER_MIDDLEWARES_BASE names, one file each (a spider may
 * bring more of its own: `SpiderClass.downloaderMiddlewares`). Each is built from the crawl's
 * settings and returns undefined when they turn it off.
 */
import type { DownloaderMiddlewareFactory } from '../core/downloader-middleware';
import { apiKey } from './api-key';
import { defaultHeaders } from './default-headers';
import { downloadStats } from './download-stats';
import { httpCache } from './http-cache';
import { rateLimit } from './rate-limit';
import { redirect } from './redirect';
import { retry } from './retry';

export const DOWNLOADER_MIDDLEWARES: Readonly<Record<string, DownloaderMiddlewareFactory>> = {
  'default-headers': defaultHeaders,
  retry,
  redirect,
  'rate-limit': rateLimit,
  'download-stats': downloadStats,
  'http-cache': httpCache,
  'api-key': apiKey,
};
