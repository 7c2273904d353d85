/**
 * Routes answers to handlers by the label their request named as its callback (Crawlee's router):
 * for spiders that prefer a table of handlers to one method per kind of page.
 *
 *   readonly router = new Router()
 *     .add('list', (response) => ...)
 *     .add('detail', (response) => ...);
 *
 * A request with `callback: 'detail'` is read by the handler added for `detail`.
 */
import type { Callback } from './spider';

export class Router {
  private readonly handlers = new Map<string, Callback>();

  /** Adds the handler of `label`; a label can have one handler. */
  add(label: string, handler: Callback): this {
    if (this.handlers.has(label))
      throw new TypeError(`Router: label ${JSON.stringify(label)} has a handler already`);
    this.handlers.set(label, handler);
    return this;
  }

  get(label: string): Callback | undefined {
    return this.handlers.get(label);
  }

  get labels(): string[] {
    return [...this.handlers.keys()];
  }
}
