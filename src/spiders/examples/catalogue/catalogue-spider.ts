/**
 * `catalogue_example`: a spider for an API that is not CoinGecko, written as a user would write
 * theirs (the README's "Write your own spider" walks through it). A paginated list of products,
 * each page linking to the next and to a detail page per product; one item per detail page.
 *
 *   crawl --spider catalogue_example -a base=http://127.0.0.1:8001
 *
 * Its own item type, argument, setting and filter pipeline; nothing in the framework knows it.
 */
import { contract } from '../../../contracts/contract';
import { Request } from '../../../core/request';
import type { Response } from '../../../core/response';
import { Spider } from '../../../core/spider';
import { InStockPipeline } from './in-stock-pipeline';
import { postSummaryExtension } from './post-summary-extension';
import { signRequests } from './sign-requests-middleware';
import { Product, ProductItem } from './product-item';

interface ListPage {
  next: string | null;
  products: { id: string; href: string }[];
}

interface CatalogueArgs {
  base: string;
}

interface CatalogueSettings {
  /** Products with fewer units in stock are dropped by the `in-stock` pipeline. */
  CATALOGUE_MIN_STOCK: number;
  /** Where the `post-summary` extension posts the crawl's summary at the end. Empty: nowhere. */
  CATALOGUE_SUMMARY_URL: string;
  /** The key the `sign-requests` downloader middleware signs with (when enabled). Secret. */
  CATALOGUE_SIGNING_KEY: string;
}

export class CatalogueSpider extends Spider<CatalogueArgs, CatalogueSettings> {
  static readonly spiderName = 'catalogue_example';
  static readonly description =
    'Example, not CoinGecko: a paginated product catalogue, list pages -> detail pages';
  static readonly spiderArguments = [
    { name: 'base', type: 'url', default: 'http://127.0.0.1:8001', help: 'The catalogue API' },
  ] as const;
  static readonly customSettings = {
    CATALOGUE_MIN_STOCK: 1,
    CATALOGUE_SUMMARY_URL: '',
    CATALOGUE_SIGNING_KEY: '',
    ITEM_PIPELINES: { 'in-stock': 150 },
    EXTENSIONS: { 'post-summary': 500 },
    FILES_STORE: 'catalogue/{id}.json',
  };
  static readonly itemTypes = [ProductItem];
  static readonly pipelines = {
    'in-stock': (settings: Readonly<Record<string, unknown>>) =>
      new InStockPipeline(Number(settings.CATALOGUE_MIN_STOCK)),
  };
  static readonly extensions = { 'post-summary': postSummaryExtension };
  /** Off unless DOWNLOADER_MIDDLEWARES turns it on (see sign-requests-middleware.ts). */
  static readonly downloaderMiddlewares = { 'sign-requests': signRequests };

  startRequests(): Request[] {
    return [
      new Request({ url: new URL('products?page=1', `${this.args.base}/`).href, callback: 'parseList' }),
    ];
  }

  /** A list page: each product's detail page, then the next list page. */
  @contract({
    answer: 'test/fixtures/catalogue-api/answers/products-page-1.json',
    url: 'http://127.0.0.1:8001/products?page=1',
    items: 0,
    // 4 detail pages and the next list page.
    requests: 5,
  })
  @contract({
    answer: 'test/fixtures/catalogue-api/answers/products-page-5.json',
    url: 'http://127.0.0.1:8001/products?page=5',
    items: 0,
    // The last page: its 4 detail pages, no next page.
    requests: 4,
  })
  *parseList(response: Response): Generator<Request> {
    const page = response.json<ListPage>();
    for (const product of page.products) {
      yield response.follow(product.href, { callback: 'parseProduct', label: `product ${product.id}` });
    }
    if (page.next) yield response.follow(page.next, { callback: 'parseList' });
  }

  /** A detail page: one product. */
  @contract({
    answer: 'test/fixtures/catalogue-api/answers/product-p-001.json',
    url: 'http://127.0.0.1:8001/products/p-001',
    items: 1,
    requests: 0,
    scrapes: ['id', 'title', 'category', 'price', 'currency', 'stock', 'updated', 'url'],
  })
  parseProduct(response: Response): Product[] {
    return [{ ...response.json<Omit<Product, 'url'>>(), url: response.url }];
  }
}
