/**
 * `in-stock`: the example's filter pipeline. Drops products with fewer units in stock than the
 * spider's setting CATALOGUE_MIN_STOCK: an expected drop (counted, nothing lost), not an error.
 */
import { DropItem } from '../../../core/errors';
import type { ItemPipeline } from '../../../core/pipeline';
import { Product, ProductItem } from './product-item';

export class InStockPipeline implements ItemPipeline<Product> {
  readonly handles = [ProductItem];

  constructor(private readonly minStock: number) {}

  process(product: Product): Product {
    if (product.stock < this.minStock)
      throw new DropItem(
        `${product.id}: ${product.stock} in stock, fewer than CATALOGUE_MIN_STOCK (${this.minStock})`,
      );
    return product;
  }
}
