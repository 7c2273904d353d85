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
