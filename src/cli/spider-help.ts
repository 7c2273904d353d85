/**
 * `crawl --spider NAME --help`: what that spider takes (its `-a` arguments) and the settings it
 * brings, below the crawl flags.
 */
import { isSettingName } from '../core/settings-loader';
import { describeArguments } from '../core/spider-arguments';
import { findSpider } from '../spiders';

/** The spider named by `--spider NAME` or `--spider=NAME` on a command line, if any. */
export function spiderNamedIn(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--spider') return argv[i + 1];
    if (argv[i].startsWith('--spider=')) return argv[i].slice('--spider='.length);
  }
  return undefined;
}

/** The help text of a spider, or undefined for an unknown name. */
export function spiderHelp(name: string): string | undefined {
  const spiderClass = findSpider(name);
  if (!spiderClass) return undefined;
  const custom = Object.entries(spiderClass.customSettings ?? {});
  const own = custom.filter(([setting]) => !isSettingName(setting));
  const overrides = custom.filter(([setting]) => isSettingName(setting));
  const lines = [
    `Spider ${spiderClass.spiderName}: ${spiderClass.description}`,
    `Items: ${spiderClass.itemTypes.map((type) => type.name).join(', ')}`,
    'Arguments (-a NAME=VALUE):',
    describeArguments(spiderClass.spiderArguments ?? []),
  ];
  if (own.length) {
    lines.push('Settings of its own (--set NAME=VALUE, env CRAWLER_NAME):');
    lines.push(...own.map(([setting, value]) => `  ${setting} (default ${JSON.stringify(value)})`));
  }
  if (overrides.length) {
    lines.push('Its values for framework settings:');
    lines.push(...overrides.map(([setting, value]) => `  ${setting} = ${JSON.stringify(value)}`));
  }
  const middlewares = Object.keys(spiderClass.downloaderMiddlewares ?? {});
  if (middlewares.length) {
    lines.push('Downloader middlewares of its own (--set DOWNLOADER_MIDDLEWARES.NAME=ORDER turns one on):');
    lines.push(...middlewares.map((name) => `  ${name}`));
  }
  return lines.join('\n');
}
