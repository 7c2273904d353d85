/**
 * Creates the daily and monthly tables. `sql/schema.sql` holds the same DDL for people and psql.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePriceTables1764300000000 implements MigrationInterface {
  name = 'CreatePriceTables1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS coingecko_scraped_data (
          coin_id          text             NOT NULL,
          date             date             NOT NULL,
          usd_price        double precision,
          usd_market_cap   double precision,
          usd_total_volume double precision,
          full_response    jsonb            NOT NULL,
          fetched_at       timestamptz      NOT NULL DEFAULT now(),
          CONSTRAINT pk_coingecko_scraped_data PRIMARY KEY (coin_id, date)
      )`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS coingecko_processed_data (
          coin_id       text NOT NULL,
          year          int  NOT NULL,
          month         int  NOT NULL,
          usd_price_min double precision,
          usd_price_max double precision,
          CONSTRAINT pk_coingecko_processed_data PRIMARY KEY (coin_id, year, month)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS coingecko_processed_data');
    await queryRunner.query('DROP TABLE IF EXISTS coingecko_scraped_data');
  }
}
