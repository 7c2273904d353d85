import { coinHistoryItemFromPayload, hasMarketData } from '../../src/items/coin-history-item';
import { fixtureJson } from '../helpers/fixtures';

describe('coinHistoryItemFromPayload on real payloads', () => {
  it('reads bitcoin 2021-04-01', () => {
    const payload = fixtureJson('history_bitcoin_01-04-2021.json');
    const item = coinHistoryItemFromPayload('bitcoin', '2021-04-01', payload);
    expect(item.usd_price).toBe(58817.3738884188);
    expect(item.usd_market_cap).toBe(1098127310946.8978);
    expect(item.usd_total_volume).toBe(57495844477.9185);
    expect(item.full_response).toBe(payload);
    expect(hasMarketData(item)).toBe(true);
  });

  it("reads ethereum 2018-01-01, whose own 'eth' entry is null", () => {
    const payload = fixtureJson('history_ethereum_01-01-2018.json');
    const prices = (payload.market_data as { current_price: Record<string, number | null> }).current_price;
    expect(prices.eth).toBeNull();
    const item = coinHistoryItemFromPayload('ethereum', '2018-01-01', payload);
    expect(item.usd_price).toBe(776.080330355968);
    expect(item.usd_market_cap).toBe(75056629369.4547);
    expect(item.usd_total_volume).toBe(1101627635.65143);
  });

  it('makes a day without market_data an item with null values', () => {
    const payload = { id: 'cardano', symbol: 'ada', name: 'Cardano', image: {} };
    const item = coinHistoryItemFromPayload('cardano', '2017-10-15', payload);
    expect(item).toEqual({
      coin_id: 'cardano',
      date: '2017-10-15',
      usd_price: null,
      usd_market_cap: null,
      usd_total_volume: null,
      full_response: payload,
    });
    expect(hasMarketData(item)).toBe(false);
  });
});
