export { createRequestHandler, type HandlerOptions, type RequestHandler } from './http/request-handler.js';
export { HttpError } from './http/http-error.js';
export { IMPLEMENTATIONS, IMPLEMENTATION_NAMES, getImplementation } from './impl/registry.js';
export type { Implementation } from './impl/implementation.js';
export { createSchema, TABLES, COLUMNS, PRIMARY_KEYS, ARTIFACT_TYPES } from './schema.js';
export type * from './schema.js';
export type * from './contract.js';
export { createLogger, type LogLevel, type Logger } from './logger.js';
export { CursorCodec } from './cursor.js';
