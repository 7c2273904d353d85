/**
 * `check`: every shipped spider's contracts pass through the CLI, offline; a spider whose contracts
 * are wrong (test/fixtures/spiders) fails each with a line naming it and what was expected (`-`)
 * against what the callback gave (`+`).
 */
import { formatContractResults } from '../../src/cli/check-command';
import { contractsOf } from '../../src/contracts/contract';
import { runContracts } from '../../src/contracts/run-contracts';
import { SPIDERS } from '../../src/spiders';
import { BrokenContractSpider } from '../fixtures/spiders/broken-contract-spider';
import { PROJECT_ROOT, runCli } from '../helpers/cli';

it('passes for every shipped spider, a line per contract, with no network', async () => {
  // An unreachable proxy: a request sent by mistake would fail, and so would the check.
  const result = await runCli(['check'], {
    env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' },
  });
  expect(result.code).toBe(0);
  const lines = result.stdout.trim().split('\n');
  const total = SPIDERS.reduce((sum, spider) => sum + contractsOf(spider).length, 0);
  expect(lines.at(-1)).toBe(`${total} contract(s): ${total} passed, 0 failed`);
  expect(lines.filter((line) => line.startsWith('ok '))).toHaveLength(total);
  for (const spider of SPIDERS) {
    expect(contractsOf(spider).length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes(` ${spider.spiderName} `))).toBe(true);
  }
  expect(lines).toContain(
    'ok      coingecko_history parse (test/fixtures/coingecko/history_bitcoin_01-04-2021.json): 1 item(s), 0 request(s)',
  );
  expect(lines).toContain(
    'ok      coingecko_top parseMarkets (test/fixtures/coingecko/coins_markets_example.json): 0 item(s), 3 request(s)',
  );
});

it('check SPIDER runs that spider only; an unknown name is exit 2, one line', async () => {
  const one = await runCli(['check', 'catalogue_example']);
  expect(one.code).toBe(0);
  expect(one.stdout.trim().split('\n').at(-1)).toBe('3 contract(s): 3 passed, 0 failed');
  expect(one.stdout).not.toContain('coingecko');
  const bad = await runCli(['check', 'nope']);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  expect(bad.stderr).toContain('check "nope": unknown spider (known: coingecko_history,');
  expect(bad.stdout).toBe('');
});

it('a broken contract fails with a clear message: what was expected, and what the callback gave', async () => {
  const results = await runContracts(BrokenContractSpider, PROJECT_ROOT);
  const report = formatContractResults(results);
  expect(report.failed).toBe(4);
  const page = 'test/fixtures/catalogue-api/answers/products-page-1.json';
  expect(report.text.split('\n')).toEqual([
    `FAILED  broken_contracts parseList (${page}): 0 item(s), 5 request(s)`,
    '          - items: at least 1',
    '          + items: 0',
    '          - requests: 3',
    '          + requests: 5',
    'FAILED  broken_contracts parseProduct (test/fixtures/catalogue-api/answers/product-p-001.json): 1 item(s), 0 request(s)',
    '          - every item has id, colour',
    '          + item 1 lacks colour',
    '          - every item valid',
    '          + item 1 (product): price "n/a"',
    'FAILED  broken_contracts parseBroken (test/fixtures/nowhere/missing.json)',
    '          - the stored answer test/fixtures/nowhere/missing.json',
    `          + ENOENT: no such file or directory, open '${PROJECT_ROOT}/test/fixtures/nowhere/missing.json'`,
    `FAILED  broken_contracts parseBroken (${page})`,
    '          - the callback runs',
    "          + it threw TypeError: Cannot read properties of undefined (reading 'id')",
    '4 contract(s): 0 passed, 4 failed',
  ]);
});
