/**
 * `coingecko_save_days`: the store's write (PriceStore.saveDays) as one function, so that a batch is
 * one call, one round trip and its own transaction instead of five round trips (begin, lock, upsert,
 * months, commit): the cost that dominated small batches, a busy crawl's (BENCHMARKS.md, "Database
 * at scale"). `sql/schema.sql` holds the same function; a test keeps the two equal.
 *
 * In order, inside the call's transaction:
 * 1. Locks each (coin, month) of the batch until the transaction ends, in one fixed order (so two
 *    writers never deadlock). Without it, two writers of days of one month (a daily job beside a
 *    backfill, or two backfill chunks that share a month) would each recompute the month from what
 *    it sees, and the later one, blind to the other's uncommitted days, would leave the month wrong.
 *    The key and the order are those of the store before this function, so old and new writers
 *    exclude each other too.
 * 2. Upserts the days (only where a value changed; a null `full_response`, DB_FULL_RESPONSE=false,
 *    keeps the one a row has).
 * 3. If any changed, sets the batch's months to min/max over their days, one range of the primary key
 *    per month. A VOLATILE function's statements each read the database as it is when they start, so
 *    this one sees the days just written and those of every writer that held the months before.
 * Returns how many days were inserted or changed.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

const SAVE_DAYS_FUNCTION = `
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
$save_days$`;

export class SaveDaysFunction1765100000000 implements MigrationInterface {
  name = 'SaveDaysFunction1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(SAVE_DAYS_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP FUNCTION IF EXISTS coingecko_save_days(text[], date[], double precision[], double precision[], double precision[], jsonb[])',
    );
  }
}
