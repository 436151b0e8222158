/** An error with an HTTP status that the handler returns as `{ "detail": message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
