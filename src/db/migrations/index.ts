/** Every migration, oldest first. */
import { CreatePriceTables1764300000000 } from './1764300000000-create-price-tables';

export const MIGRATIONS = [CreatePriceTables1764300000000];
