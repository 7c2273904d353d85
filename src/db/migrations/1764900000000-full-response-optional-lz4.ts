/**
 * `full_response` becomes optional (DB_FULL_RESPONSE=false stores new rows without it) and, where the
 * server has it (Postgres 14+ built with lz4), compressed with lz4 instead of pglz: a `/history`
 * payload is about 7 KB of JSON, so every row is compressed on the way in, and lz4 does it several
 * times faster for about the same size (figures in the README, "Storage at scale"). Only rows written
 * after it are lz4: old rows keep pglz until they are rewritten (`VACUUM FULL` does not recompress).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FullResponseOptionalLz41764900000000 implements MigrationInterface {
  name = 'FullResponseOptionalLz41764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE coingecko_scraped_data ALTER COLUMN full_response DROP NOT NULL');
    if (await hasLz4(queryRunner))
      await queryRunner.query(
        'ALTER TABLE coingecko_scraped_data ALTER COLUMN full_response SET COMPRESSION lz4',
      );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (await hasLz4(queryRunner))
      await queryRunner.query(
        'ALTER TABLE coingecko_scraped_data ALTER COLUMN full_response SET COMPRESSION default',
      );
    await queryRunner.query(
      `UPDATE coingecko_scraped_data SET full_response = '{}' WHERE full_response IS NULL`,
    );
    await queryRunner.query('ALTER TABLE coingecko_scraped_data ALTER COLUMN full_response SET NOT NULL');
  }
}

/** Whether the server can compress with lz4 (a build option; the embedded PGlite has none). */
async function hasLz4(queryRunner: QueryRunner): Promise<boolean> {
  const rows: { lz4: boolean }[] = await queryRunner.query(
    `SELECT coalesce(bool_or('lz4' = ANY(enumvals)), false) AS lz4
       FROM pg_settings WHERE name = 'default_toast_compression'`,
  );
  return rows[0]?.lz4 === true;
}
