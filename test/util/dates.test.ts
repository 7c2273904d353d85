import { eachDay, monthChunks, utcDayOf } from '../../src/util/dates';

test('monthChunks cuts a range at month ends, leap days and partial months included', () => {
  expect(monthChunks('2024-01-15', '2024-03-10')).toEqual([
    ['2024-01-15', '2024-01-31'],
    ['2024-02-01', '2024-02-29'],
    ['2024-03-01', '2024-03-10'],
  ]);
  expect(monthChunks('2023-12-31', '2024-01-01')).toEqual([
    ['2023-12-31', '2023-12-31'],
    ['2024-01-01', '2024-01-01'],
  ]);
  expect(monthChunks('2024-05-07', '2024-05-07')).toEqual([['2024-05-07', '2024-05-07']]);
  const year = monthChunks('2019-01-01', '2022-12-15');
  expect(year).toHaveLength(48);
  expect(year[47]).toEqual(['2022-12-01', '2022-12-15']);
});

test('utcDayOf is the UTC day, whatever the local zone', () => {
  expect(utcDayOf(new Date('2024-06-01T23:30:00-05:00'))).toBe('2024-06-02');
  expect(utcDayOf(new Date('2024-06-01T00:00:00Z'))).toBe('2024-06-01');
});

test('eachDay walks calendar days in UTC: month and year ends, leap days, one day, none', () => {
  expect([...eachDay('2024-02-27', '2024-03-02')]).toEqual([
    '2024-02-27',
    '2024-02-28',
    '2024-02-29',
    '2024-03-01',
    '2024-03-02',
  ]);
  expect([...eachDay('2023-12-31', '2024-01-01')]).toEqual(['2023-12-31', '2024-01-01']);
  expect([...eachDay('2024-05-07', '2024-05-07')]).toEqual(['2024-05-07']);
  expect([...eachDay('2024-05-08', '2024-05-07')]).toEqual([]);
  // Across the change to summer time in most zones: still one string per day.
  const spring = [...eachDay('2024-03-20', '2024-04-05')];
  expect(spring).toHaveLength(17);
  expect(new Set(spring).size).toBe(17);
  expect([...eachDay('2015-01-01', '2020-06-22')]).toHaveLength(2000);
});
