import { KeySet } from '../../src/core/key-set';

test('a KeySet tells keys apart by content, whatever their length or how they were built', () => {
  const keys = new KeySet();
  const coin = 'bitcoin';
  expect(keys.add(`${coin} 2024-01-01`)).toBe(true);
  expect(keys.add('bitcoin ' + '2024-01-01')).toBe(false);
  expect(keys.has('bitcoin 2024-01-01')).toBe(true);
  expect(keys.has('bitcoin 2024-01-02')).toBe(false);
  const long = `https://example.com/${'x'.repeat(5000)}`;
  expect(keys.add(long)).toBe(true);
  expect(keys.add(`${long}y`)).toBe(true);
  expect(keys.add(long)).toBe(false);
  expect(keys.add('é ✓ 𝄞')).toBe(true);
  expect(keys.has('é ✓ 𝄞')).toBe(true);
});
