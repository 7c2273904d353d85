/**
 * `crawl.ts check [SPIDER]`: runs the contracts of every spider (or of one), offline (Scrapy's
 * `scrapy check`). A line per contract; a failed one is followed by what was expected (`-`) and what
 * the callback gave (`+`). Exit 0 when all pass, 1 when one fails, 2 for an unknown spider.
 */
import { runContracts, type ContractResult } from '../contracts/run-contracts';
import type { SpiderClass } from '../core/spider';
import { checkSpiderName, findSpider, SPIDERS } from '../spiders';
import { PROJECT_ROOT } from '../util/project-root';
import { EXIT } from './exit-codes';

export async function runCheckCommand(argv: Record<string, unknown>): Promise<number> {
  const named = argv.spider === undefined ? undefined : String(argv.spider);
  const spiders: readonly SpiderClass[] =
    named === undefined ? SPIDERS : [findSpider(checkSpiderName(named, 'check')) as SpiderClass];
  const results: ContractResult[] = [];
  const lines: string[] = [];
  for (const spiderClass of spiders) {
    const own = await runContracts(spiderClass, PROJECT_ROOT);
    if (own.length === 0) lines.push(`${spiderClass.spiderName}: no contracts`);
    results.push(...own);
  }
  const report = formatContractResults(results);
  process.stdout.write(`${[...lines, report.text].join('\n')}\n`);
  return report.failed > 0 ? EXIT.SOME_FAILED : EXIT.OK;
}

/** A line per contract, the diff under a failed one, and a last line with the counts. */
export function formatContractResults(results: readonly ContractResult[]): { text: string; failed: number } {
  const lines: string[] = [];
  let failed = 0;
  for (const result of results) {
    const name = `${result.spider} ${result.callback} (${result.answer})`;
    if (result.problems.length === 0) {
      lines.push(`ok      ${name}: ${result.got}`);
      continue;
    }
    failed += 1;
    lines.push(
      `FAILED  ${name}${result.got ? `: ${result.got}` : ''}`,
      ...result.problems.map((p) => `          ${p}`),
    );
  }
  const passed = results.length - failed;
  lines.push(`${results.length} contract(s): ${passed} passed, ${failed} failed`);
  return { text: lines.join('\n'), failed };
}
