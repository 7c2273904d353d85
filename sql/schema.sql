-- The crawler's tables, as its migrations create them (src/db/migrations; a test keeps the two equal).
-- Apply by hand with: psql "$DATABASE_URL" -f sql/schema.sql   (the crawler runs its migrations itself).

-- One coin on one day, at CoinGecko's 00:00 UTC snapshot.
CREATE TABLE IF NOT EXISTS coingecko_scraped_data (
    coin_id          text             NOT NULL,
    date             date             NOT NULL,
    usd_price        double precision,
    usd_market_cap   double precision,
    usd_total_volume double precision,
    full_response    jsonb            COMPRESSION lz4, -- null with DB_FULL_RESPONSE=false; lz4 needs Postgres 14+
    fetched_at       timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT pk_coingecko_scraped_data PRIMARY KEY (coin_id, date)
);

-- Lowest and highest USD price per coin and month, kept equal to min/max over the daily table.
CREATE TABLE IF NOT EXISTS coingecko_processed_data (
    coin_id       text NOT NULL,
    year          int  NOT NULL,
    month         int  NOT NULL,
    usd_price_min double precision,
    usd_price_max double precision,
    CONSTRAINT pk_coingecko_processed_data PRIMARY KEY (coin_id, year, month)
);

-- The store writes a batch of days with one call of this function: it locks the batch's months, upserts
-- the days and sets their months to min/max over the daily table (src/db/migrations/*-save-days-function.ts).
CREATE OR REPLACE FUNCTION coingecko_save_days(
    coin_ids text[], dates date[], prices double precision[], market_caps double precision[],
    total_volumes double precision[], full_responses jsonb[]
) RETURNS bigint LANGUAGE plpgsql VOLATILE
-- Plans made once per session: a busy crawl calls it with a few rows thousands of times (planning each
-- statement anew cost 15 % of the server's CPU there), and no plan depends on the batch's size.
SET plan_cache_mode = force_generic_plan AS $save_days$
DECLARE
    changed bigint;
BEGIN
    PERFORM count(pg_advisory_xact_lock(hashtext('coingecko_month'), hashtext(month.coin_id || ' ' || month.first_day)))
       FROM (SELECT DISTINCT day.coin_id, date_trunc('month', day.date)::date AS first_day
               FROM unnest(coin_ids, dates) AS day (coin_id, date)
              ORDER BY 1, 2) AS month;

    WITH written AS (
        INSERT INTO coingecko_scraped_data AS day
            (coin_id, date, usd_price, usd_market_cap, usd_total_volume, full_response)
        SELECT * FROM unnest(coin_ids, dates, prices, market_caps, total_volumes, full_responses)
        ON CONFLICT (coin_id, date) DO UPDATE SET
            usd_price = EXCLUDED.usd_price,
            usd_market_cap = EXCLUDED.usd_market_cap,
            usd_total_volume = EXCLUDED.usd_total_volume,
            full_response = COALESCE(EXCLUDED.full_response, day.full_response),
            fetched_at = now()
        WHERE (day.usd_price, day.usd_market_cap, day.usd_total_volume, day.full_response)
            IS DISTINCT FROM (EXCLUDED.usd_price, EXCLUDED.usd_market_cap, EXCLUDED.usd_total_volume,
                              COALESCE(EXCLUDED.full_response, day.full_response))
        RETURNING 1
    )
    SELECT count(*) INTO changed FROM written;

    IF changed > 0 THEN
        INSERT INTO coingecko_processed_data AS stored (coin_id, year, month, usd_price_min, usd_price_max)
        SELECT month.coin_id, extract(year FROM month.first_day)::int, extract(month FROM month.first_day)::int,
               extremes.usd_price_min, extremes.usd_price_max
          FROM (SELECT DISTINCT day.coin_id, date_trunc('month', day.date)::date AS first_day
                  FROM unnest(coin_ids, dates) AS day (coin_id, date)) AS month
         CROSS JOIN LATERAL (
             SELECT MIN(day.usd_price) AS usd_price_min, MAX(day.usd_price) AS usd_price_max
               FROM coingecko_scraped_data day
              WHERE day.coin_id = month.coin_id
                AND day.date >= month.first_day
                AND day.date < (month.first_day + interval '1 month')::date
         ) AS extremes
        ON CONFLICT (coin_id, year, month) DO UPDATE SET
            usd_price_min = EXCLUDED.usd_price_min,
            usd_price_max = EXCLUDED.usd_price_max
        WHERE (stored.usd_price_min, stored.usd_price_max)
            IS DISTINCT FROM (EXCLUDED.usd_price_min, EXCLUDED.usd_price_max);
    END IF;
    RETURN changed;
END
$save_days$;
