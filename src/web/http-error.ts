/**
 * An answer other than 200 that a route gives on purpose: 400 for bad input (a UsageError is one
 * too), 403 for a refused action, 404 for a page that is not there. Its message is shown on the
 * page as text; it never holds a stack or a secret.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}
