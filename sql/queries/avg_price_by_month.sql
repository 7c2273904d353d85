-- avg_price_by_month: the average USD price of each coin in each month.
--
-- Answers: "what was the average price of each coin, month by month?" Days whose price is null (a
-- day CoinGecko has no market data for) are not averaged and not counted; a month whose stored days
-- all lack a price is still listed, with avg_usd_price null and days 0.
--
-- Columns (one row per coin and month, ordered by coin_id, year, month):
--   coin_id        text    the CoinGecko id
--   year           int     calendar year of the days (UTC)
--   month          int     calendar month, 1-12
--   avg_usd_price  float8  mean of usd_price over the month's priced days (null: none)
--   days           int     how many priced days were averaged
--
-- Parameters (positional, each NULL for "no filter"; they choose the days considered):
--   $1  text  coin ids, comma-separated ('bitcoin,ethereum'); NULL: every coin
--   $2  date  first day, inclusive
--   $3  date  last day, inclusive
--
-- Run by hand:  psql "$DATABASE_URL" with  PREPARE q(text, date, date) AS <this query>;
--               EXECUTE q('bitcoin', '2021-01-01', NULL);
-- or with the crawler:  npm run crawl -- report avg_price_by_month -c bitcoin -s 2021-01-01

WITH
-- The filters, typed once.
params AS (
    SELECT string_to_array($1::text, ',') AS coin_ids,
           $2::date                       AS first_day,
           $3::date                       AS last_day
),

-- The days the filters select.
days AS (
    SELECT d.coin_id, d.date, d.usd_price
    FROM coingecko_scraped_data AS d
    CROSS JOIN params AS p
    WHERE (p.coin_ids IS NULL OR d.coin_id = ANY (p.coin_ids))
      AND (p.first_day IS NULL OR d.date >= p.first_day)
      AND (p.last_day IS NULL OR d.date <= p.last_day)
)

SELECT coin_id,
       EXTRACT(YEAR FROM date)::int  AS year,
       EXTRACT(MONTH FROM date)::int AS month,
       AVG(usd_price)::float8        AS avg_usd_price,  -- AVG skips nulls
       COUNT(usd_price)::int         AS days            -- counts only priced days
FROM days
GROUP BY coin_id, year, month
ORDER BY coin_id, year, month;
