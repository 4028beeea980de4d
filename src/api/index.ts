export {
  MAX_BODY_BYTES,
  MAX_BODY_DEPTH,
  type Parsed,
  problemResult,
  type RequestProblem,
  readEventBody,
  readJsonBody,
} from './body-limits.ts';
export { type ApiHandler, type ApiHandlerDeps, type ApiLogger, createApiHandler } from './handler.ts';
export { type ApiErrorBody, type ApiEvent, type ApiResult, errorResult, header, json } from './http.ts';
export { API_ROUTES, matchRoute, type Route, type RouteMatch } from './routes.ts';
