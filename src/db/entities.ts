/**
 * The two tables, with the original project's names. Every column has an explicit type: tsx emits no
 * decorator metadata, so TypeORM can't guess them.
 */
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One coin on one day (`coingecko_scraped_data`). */
@Entity({ name: 'coingecko_scraped_data' })
export class CoinDailyPrice {
  @PrimaryColumn({ name: 'coin_id', type: 'text' })
  coinId!: string;

  /** ISO day, `YYYY-MM-DD` (a Postgres `date`). */
  @PrimaryColumn({ name: 'date', type: 'date' })
  date!: string;

  @Column({ name: 'usd_price', type: 'double precision', nullable: true })
  usdPrice!: number | null;

  @Column({ name: 'usd_market_cap', type: 'double precision', nullable: true })
  usdMarketCap!: number | null;

  @Column({ name: 'usd_total_volume', type: 'double precision', nullable: true })
  usdTotalVolume!: number | null;

  /** The API's answer; null when stored with DB_FULL_RESPONSE=false (lz4-compressed where the server has it). */
  @Column({ name: 'full_response', type: 'jsonb', nullable: true })
  fullResponse!: Record<string, unknown> | null;

  @Column({ name: 'fetched_at', type: 'timestamptz', default: () => 'now()' })
  fetchedAt!: Date;
}

/** Lowest and highest USD price of a coin in a month (`coingecko_processed_data`). */
@Entity({ name: 'coingecko_processed_data' })
export class CoinMonthlyPrice {
  @PrimaryColumn({ name: 'coin_id', type: 'text' })
  coinId!: string;

  @PrimaryColumn({ name: 'year', type: 'int' })
  year!: number;

  @PrimaryColumn({ name: 'month', type: 'int' })
  month!: number;

  @Column({ name: 'usd_price_min', type: 'double precision', nullable: true })
  usdPriceMin!: number | null;

  @Column({ name: 'usd_price_max', type: 'double precision', nullable: true })
  usdPriceMax!: number | null;
}

export const ENTITIES = [CoinDailyPrice, CoinMonthlyPrice];
