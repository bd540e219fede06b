export {
  createLogger,
  loggerOptions,
  redactPaths,
  scrubText,
  serializeError,
  serializeRequest,
} from './logger.ts';
