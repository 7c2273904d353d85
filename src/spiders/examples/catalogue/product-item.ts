/**
 * The example spider's item: one product of the catalogue, with its id as the key (so `dedupe`
 * and the stores know it) and a check of the values the source may get wrong.
 */
import { defineItemType } from '../../../core/item';

export interface Product {
  id: string;
  title: string;
  category: string;
  /** The price in `currency`. */
  price: number;
  currency: string;
  /** Units in stock. */
  stock: number;
  /** The day the catalogue last changed the product, YYYY-MM-DD. */
  updated: string;
  /** The detail page it came from. */
  url: string;
}

export const ProductItem = defineItemType<Product>({
  name: 'product',
  key: (product) => String(product.id),
  validate: (product) => {
    if (typeof product.id !== 'string' || product.id === '') return 'no id';
    if (typeof product.price !== 'number' || !(product.price >= 0))
      return `price ${JSON.stringify(product.price)} is not a number >= 0`;
    if (!Number.isInteger(product.stock))
      return `stock ${JSON.stringify(product.stock)} is not a whole number`;
    return undefined;
  },
  fields: ['id', 'title', 'category', 'price', 'currency', 'stock', 'updated', 'url'],
});
