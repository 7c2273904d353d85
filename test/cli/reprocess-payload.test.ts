/**
 * `reprocess` cuts each payload's JSON text out of its day file instead of serialising the parsed
 * payload again, only where that text is exactly the payload: a file as the crawl writes it. Any
 * other file (hand-edited, pretty-printed, a key repeated) gets undefined, and the store serialises
 * the parsed payload as before.
 */
import { payloadText } from '../../src/cli/reprocess-command';

const payload = { id: 'bitcoin', name: 'Bit "coin" \\ é', market_data: { current_price: { usd: 1.5 } } };
const record = { coin_id: 'bitcoin', date: '2021-04-01', usd_price: 1.5, full_response: payload };

function cut(text: string): string | undefined {
  return payloadText(text, JSON.parse(text) as Record<string, unknown>);
}

it("a file as the crawl writes it: the payload's text, equal to the payload", () => {
  const text = JSON.stringify(record);
  expect(cut(text)).toBe(JSON.stringify(payload));
  expect(JSON.parse(cut(text)!)).toEqual(payload);
  // A day without a price, and a coin id that JSON escapes.
  const odd = { ...record, coin_id: 'a"b\\c', usd_price: null };
  expect(cut(JSON.stringify(odd))).toBe(JSON.stringify(payload));
});

it('any other file: undefined (the parsed payload is serialised instead)', () => {
  const { coin_id, date, usd_price, full_response } = record;
  for (const text of [
    JSON.stringify(record, null, 2),
    `${JSON.stringify(record)}\n`,
    JSON.stringify({ date, coin_id, usd_price, full_response }),
    JSON.stringify({ ...record, extra: 1 }),
    JSON.stringify({ coin_id, date, full_response }),
    // A key repeated after the payload: JSON.parse keeps the last value.
    `${JSON.stringify(record).slice(0, -1)},"usd_price":1.5}`,
    `${JSON.stringify(record).slice(0, -1)},"full_response":{"other":true}}`,
  ])
    expect(cut(text)).toBeUndefined();
});
