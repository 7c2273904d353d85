/**
 * Runs a spider's contracts (src/contracts/contract.ts) offline, as Scrapy's `check` does: each
 * callback gets its stored answer, as the engine would hand it over, and what it yields is counted
 * and checked. Nothing is sent, nothing is stored: the spider is built with its declared arguments
 * and settings, and with storage that has nothing.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import winston from 'winston';
import type { ItemType } from '../core/item';
import { Request } from '../core/request';
import { Response } from '../core/response';
import { resolveSettings } from '../core/settings-loader';
import { NOTHING_STORED, type Spider, type SpiderClass } from '../core/spider';
import { readArguments } from '../core/spider-arguments';
import { classifyOutput, collectOutput, findCallback } from '../core/spider-output';
import { StatsCollector } from '../core/stats';
import { contractsOf, Count, DeclaredContract } from './contract';

/** What one contract found. `problems` are diff lines: `- expected` then `+ got`. */
export interface ContractResult {
  spider: string;
  callback: string;
  answer: string;
  /** What the callback gave, in words (`1 item(s), 0 request(s)`), when it ran. */
  got?: string;
  problems: string[];
}

/** Every contract of the spider class, run in order. `root`: the folder answers are read from. */
export async function runContracts(spiderClass: SpiderClass, root: string): Promise<ContractResult[]> {
  const results: ContractResult[] = [];
  for (const declared of contractsOf(spiderClass))
    results.push(await runContract(spiderClass, declared, root));
  return results;
}

async function runContract(
  spiderClass: SpiderClass,
  declared: DeclaredContract,
  root: string,
): Promise<ContractResult> {
  const result: ContractResult = {
    spider: spiderClass.spiderName,
    callback: declared.callback,
    answer: declared.answer,
    problems: [],
  };
  let body: Buffer;
  try {
    body = await readFile(isAbsolute(declared.answer) ? declared.answer : join(root, declared.answer));
  } catch (error) {
    result.problems.push(`- the stored answer ${declared.answer}`, `+ ${(error as Error).message}`);
    return result;
  }
  let values: { items: { item: object; type: ItemType }[]; requests: Request[] };
  try {
    values = await callCallback(spiderClass, declared, body);
  } catch (error) {
    const { name, message } = error as Error;
    result.problems.push(`- the callback runs`, `+ it threw ${name}: ${message}`);
    return result;
  }
  const { items, requests } = values;
  result.got = `${items.length} item(s), ${requests.length} request(s)`;
  checkCount(result.problems, 'items', declared.items, items.length);
  checkCount(result.problems, 'requests', declared.requests, requests.length);
  if (declared.scrapes) {
    const lacking = items
      .map(({ item }, index) => {
        const missing = declared.scrapes?.filter(
          (field) => (item as Record<string, unknown>)[field] === undefined,
        );
        return missing?.length ? `item ${index + 1} lacks ${missing.join(', ')}` : undefined;
      })
      .filter((line): line is string => line !== undefined);
    if (lacking.length > 0) {
      result.problems.push(
        `- every item has ${declared.scrapes.join(', ')}`,
        ...lacking.map((l) => `+ ${l}`),
      );
    }
  }
  const invalid = items
    .map(({ item, type }, index) => {
      const problem = type.validate?.(item);
      return problem ? `item ${index + 1} (${type.name}): ${problem}` : undefined;
    })
    .filter((line): line is string => line !== undefined);
  if (invalid.length > 0) result.problems.push('- every item valid', ...invalid.map((line) => `+ ${line}`));
  return result;
}

/** The callback's output for the stored answer, sorted as the engine sorts it. */
async function callCallback(spiderClass: SpiderClass, declared: DeclaredContract, body: Buffer) {
  const given = Object.entries(declared.args ?? {}).map(([name, text]) => ({
    name,
    text: typeof text === 'string' ? text : [...text],
    source: `-a ${name}`,
  }));
  const values = readArguments(spiderClass.spiderName, spiderClass.spiderArguments ?? [], given);
  const args = spiderClass.checkArguments ? spiderClass.checkArguments(values) : values;
  const settings = resolveSettings({ spider: spiderClass.customSettings });
  const spider = new spiderClass({ args, settings, stored: NOTHING_STORED }) as Spider<object, object>;
  const request = new Request({ url: declared.url, callback: declared.callback, meta: declared.meta ?? {} });
  const response = new Response({
    url: declared.url,
    status: declared.status ?? 200,
    headers: { 'content-type': 'application/json', ...declared.headers },
    body,
    request,
  });
  const context = { stats: new StatsCollector(), logger: winston.createLogger({ silent: true }) };
  const where = `spider ${spider.name}, callback ${declared.callback}`;
  const output = await collectOutput(findCallback(spider, declared.callback)(response, context), where);
  const sorted = classifyOutput(spider, spiderClass.itemTypes, declared.callback, output);
  return {
    items: sorted.flatMap((value) => ('item' in value ? [value] : [])),
    requests: sorted.flatMap((value) => ('request' in value ? [value.request] : [])),
  };
}

function checkCount(problems: string[], what: string, expected: Count | undefined, got: number): void {
  if (expected === undefined) return;
  const [least, most] = typeof expected === 'number' ? [expected, expected] : expected;
  if (got >= least && (most === null || got <= most)) return;
  const wanted = least === most ? `${least}` : most === null ? `at least ${least}` : `${least} to ${most}`;
  problems.push(`- ${what}: ${wanted}`, `+ ${what}: ${got}`);
}
