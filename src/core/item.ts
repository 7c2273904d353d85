/**
 * Item types: what a spider declares about the items it yields (Scrapy's Item classes, as data).
 *
 * An item is a plain object. Its type tells the framework what it needs to handle it without knowing
 * the spider: a name (stats, file paths, logs), the key that makes two items the same one (dedupe,
 * "already stored?"), a validator for data that can't be right, and whether a stored copy is final.
 * A spider that yields one item type yields plain objects; one that yields several marks each item
 * with `Type.create({...})`, so pipelines can tell them apart.
 */

export interface ItemTypeOptions<T extends object> {
  /** Short name, e.g. `product`: in stats (`item_scraped_count/product`), file templates and logs. */
  name: string;
  /**
   * What makes two items the same one, e.g. a product id, or coin and day. Used by `dedupe` and by
   * the stores' "already stored?" answers. Absent: items are never the same, and never skipped.
   */
  key?: (item: Partial<T>) => string;
  /** What is wrong with an item from the source, or undefined when nothing is (the `validate` pipeline). */
  validate?: (item: T) => string | undefined;
  /**
   * Whether a stored copy (read back from a store, so possibly with fewer fields) is final. A copy
   * that is not (a day whose data may still come) counts as not stored, so it is fetched again.
   * Absent: every stored copy is final.
   */
  isFinal?: (stored: Partial<T>, now: Date) => boolean;
  /** Fields in the order feeds and files write them. Absent: the item's own order. */
  fields?: readonly (keyof T & string)[];
}

/**
 * An item type as the framework uses it. (Methods, not function properties, so that a pipeline or
 * registry typed for `ItemType<object>` takes any item type without a cast.)
 */
export interface ItemType<T extends object = object> {
  readonly name: string;
  readonly fields?: readonly string[];
  key?(item: Partial<T>): string;
  validate?(item: T): string | undefined;
  isFinal?(stored: Partial<T>, now: Date): boolean;
  /** Marks an item as this type (only needed by spiders that yield several types). */
  create(item: T): T;
}

/** The type each item was marked with by `create`; plain objects of a one-type spider aren't marked. */
const marks = new WeakMap<object, ItemType<never>>();

export function defineItemType<T extends object>(options: ItemTypeOptions<T>): ItemType<T> {
  const type: ItemType<T> = Object.freeze({
    ...options,
    create(item: T): T {
      marks.set(item, type as ItemType<never>);
      return item;
    },
  });
  return type;
}

/** The type `create` marked the item with, if any. */
export function markedItemType(item: object): ItemType | undefined {
  return marks.get(item) as ItemType | undefined;
}

/** A plain object (an item), as opposed to a request, an array, a class instance or a primitive. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
