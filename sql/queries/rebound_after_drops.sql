-- rebound_after_drops: how much each coin's price rose, on average, on the day after it had dropped
-- on more than 3 consecutive days; with the coin's current market cap.
--
-- Definitions:
--   drop day  a day whose usd_price is lower than the previous calendar day's (both days stored,
--             both priced).
--   run       4 or more consecutive drop days (a maximal series: it goes on while days drop).
--   rebound   the run is ended by the next calendar day, which is then not lower (a lower one would
--             be one more drop day); the rise is that day's price minus the last drop day's price
--             (0 or more). A run not ended inside the data (its last drop day is the last day
--             considered, or is followed by a gap or by a day without a price) has no rise and is
--             not counted.
--
-- Columns (one row per coin present in the filtered days, also with no runs; ordered by coin_id):
--   coin_id          text    the CoinGecko id
--   runs             int     how many runs ended with a rebound (as defined above)
--   avg_rebound_usd  float8  mean rise in USD of those runs (null with no runs)
--   usd_market_cap   float8  the current USD market cap: full_response->'market_data'->'market_cap'->>'usd'
--                            of the coin's latest considered day that has one (null: no such day)
--   latest_date      text    that day, YYYY-MM-DD (null: no such day)
--
-- Parameters (positional, each NULL for "no filter"; they choose the days considered, so the day
-- before $2 is not seen and the first day considered can't be a drop day):
--   $1  text  coin ids, comma-separated ('bitcoin,ethereum'); NULL: every coin
--   $2  date  first day, inclusive
--   $3  date  last day, inclusive
--
-- Run by hand:  psql "$DATABASE_URL" with  PREPARE q(text, date, date) AS <this query>;
--               EXECUTE q(NULL, NULL, NULL);
-- or with the crawler:  npm run crawl -- report rebound_after_drops -s 2021-01-01 -e 2021-12-31

WITH
-- The filters, typed once.
params AS (
    SELECT string_to_array($1::text, ',') AS coin_ids,
           $2::date                       AS first_day,
           $3::date                       AS last_day
),

-- The days the filters select.
days AS (
    SELECT d.coin_id, d.date, d.usd_price, d.full_response
    FROM coingecko_scraped_data AS d
    CROSS JOIN params AS p
    WHERE (p.coin_ids IS NULL OR d.coin_id = ANY (p.coin_ids))
      AND (p.first_day IS NULL OR d.date >= p.first_day)
      AND (p.last_day IS NULL OR d.date <= p.last_day)
),

-- Each day with its stored neighbours (which may be more than one calendar day away).
neighbours AS (
    SELECT coin_id, date, usd_price,
           LAG(date)       OVER by_day AS prev_date,
           LAG(usd_price)  OVER by_day AS prev_price,
           LEAD(date)      OVER by_day AS next_date,
           LEAD(usd_price) OVER by_day AS next_price
    FROM days
    WINDOW by_day AS (PARTITION BY coin_id ORDER BY date)
),

-- Drop days: lower than the previous calendar day's price. A null price, or a previous day that
-- is missing or unpriced, makes the comparison null: not a drop day.
drop_days AS (
    SELECT coin_id, date, usd_price, next_date, next_price
    FROM neighbours
    WHERE prev_date = date - 1
      AND usd_price < prev_price
),

-- Gaps and islands: consecutive drop days have consecutive dates, so date minus their rank among
-- the coin's drop days is the same for all days of one run (and differs between runs).
drop_runs AS (
    SELECT coin_id, date, usd_price, next_date, next_price,
           date - ROW_NUMBER() OVER (PARTITION BY coin_id ORDER BY date)::int AS run_key
    FROM drop_days
),

-- Each drop day with the length and the last day of its run.
run_days AS (
    SELECT coin_id, date, usd_price, next_date, next_price,
           COUNT(*)  OVER run AS run_length,
           MAX(date) OVER run AS run_last_day
    FROM drop_runs
    WINDOW run AS (PARTITION BY coin_id, run_key)
),

-- One row per run of 4+ drop days, from its last drop day. The run ended inside the data when the
-- next stored day is the next calendar day and has a price; that day is then not lower, or it would
-- be a drop day of the same run.
rebounds AS (
    SELECT coin_id,
           date AS last_drop_day,
           CASE WHEN next_date = date + 1 AND next_price IS NOT NULL
                THEN next_price - usd_price
           END AS rise  -- null: the run did not end inside the data
    FROM run_days
    WHERE date = run_last_day
      AND run_length >= 4
),

-- Per coin: the runs that ended, and their average rise.
rebound_stats AS (
    SELECT coin_id,
           COUNT(rise)::int    AS runs,
           AVG(rise)::float8   AS avg_rebound_usd
    FROM rebounds
    GROUP BY coin_id
),

-- The latest day of each coin whose stored API answer has a USD market cap.
latest_market_cap AS (
    SELECT DISTINCT ON (coin_id)
           coin_id,
           date,
           (full_response -> 'market_data' -> 'market_cap' ->> 'usd')::float8 AS usd_market_cap
    FROM days
    WHERE full_response -> 'market_data' -> 'market_cap' ->> 'usd' IS NOT NULL
    ORDER BY coin_id, date DESC
),

-- Every coin in the filtered days, also those without a run or without market data.
coins AS (
    SELECT DISTINCT coin_id FROM days
)

SELECT c.coin_id,
       COALESCE(r.runs, 0)                  AS runs,
       r.avg_rebound_usd,
       m.usd_market_cap,
       to_char(m.date, 'YYYY-MM-DD')        AS latest_date
FROM coins AS c
LEFT JOIN rebound_stats     AS r USING (coin_id)
LEFT JOIN latest_market_cap AS m USING (coin_id)
ORDER BY c.coin_id;
