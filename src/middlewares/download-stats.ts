/**
 * `download-stats` (Scrapy's DownloaderStats): `downloader/request_count`, `request_method_count/M`,
 * `response_count`, `response_status_count/S`, `exception_count` and `exception_type_count/E`. Every
 * pass counts, so a retried request counts once per attempt, as in Scrapy. The stats keys are made
 * once per method and status, not per request.
 */
import type { DownloaderMiddleware, DownloaderMiddlewareFactory } from '../core/downloader-middleware';
import { HttpError, networkErrorReason } from '../core/http-client';
import type { Request } from '../core/request';
import type { Response } from '../core/response';
import type { StatsCollector } from '../core/stats';

export class DownloadStatsMiddleware implements DownloaderMiddleware {
  private readonly methodKeys = new Map<string, string>();
  private readonly statusKeys = new Map<number, string>();

  constructor(private readonly stats: StatsCollector) {}

  processRequest(request: Request): void {
    this.stats.inc('downloader/request_count');
    this.stats.inc(keyOf(this.methodKeys, request.method, 'downloader/request_method_count/'));
  }

  processResponse(_request: Request, response: Response): Response {
    this.stats.inc('downloader/response_count');
    this.stats.inc(keyOf(this.statusKeys, response.status, 'downloader/response_status_count/'));
    return response;
  }

  processException(_request: Request, error: unknown): void {
    if (!(error instanceof HttpError) || error.code === 'ABORT_ERR') return;
    const reason = error.code === 'EDECOMPRESS' ? 'malformed_body' : networkErrorReason(error);
    this.stats.inc('downloader/exception_count');
    this.stats.inc(`downloader/exception_type_count/${reason}`);
  }
}

function keyOf<K>(keys: Map<K, string>, value: K, prefix: string): string {
  let key = keys.get(value);
  if (key === undefined) keys.set(value, (key = `${prefix}${value}`));
  return key;
}

export const downloadStats: DownloaderMiddlewareFactory = (_settings, { stats }) =>
  new DownloadStatsMiddleware(stats);
