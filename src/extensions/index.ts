/**
 * The built-in extensions EXTENSIONS_BASE names (a spider may bring more of its own), one file each.
 * Each factory gets the crawl's context and what the command running the crawl lends it.
 */
import type { ExtensionFactory } from '../core/extension';
import type { Progress } from '../core/progress';
import { autoThrottleExtension } from './autothrottle';
import { closeSpiderExtension } from './closespider';
import { memoryUsageExtension } from './memory-usage';
import { progressBarExtension } from './progress-bar';
import { requestLogExtension } from './request-log';
import { statsDumpExtension } from './stats-dump';

export interface ExtensionServices {
  /** The command's progress bar; absent when nothing draws one (a worker's jobs). */
  progress?: Progress;
  /** The level of the stats dump: info for a command, debug for a worker's jobs. */
  statsLevel: 'info' | 'debug';
}

export const EXTENSIONS: Readonly<Record<string, ExtensionFactory<ExtensionServices>>> = {
  autothrottle: autoThrottleExtension,
  closespider: closeSpiderExtension,
  memory: memoryUsageExtension,
  progress: (context, { progress }) => progressBarExtension(context, progress),
  'request-log': requestLogExtension,
  'stats-dump': (context, { statsLevel }) => statsDumpExtension(context, statsLevel),
};
