/** Every migration, oldest first. */
import { CreatePriceTables1764300000000 } from './1764300000000-create-price-tables';
import { FullResponseOptionalLz41764900000000 } from './1764900000000-full-response-optional-lz4';
import { SaveDaysFunction1765100000000 } from './1765100000000-save-days-function';

export const MIGRATIONS = [
  CreatePriceTables1764300000000,
  FullResponseOptionalLz41764900000000,
  SaveDaysFunction1765100000000,
];
