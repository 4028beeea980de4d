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
export {
  decodeCursor,
  encodeCursor,
  HISTORY_PAGE_DEFAULT,
  HISTORY_PAGE_MAX,
  HISTORY_PAGE_MAX_BYTES,
  type HistoryCursor,
  type HistoryPage,
  historyPage,
} from './history-page.ts';
export {
  type ApiErrorBody,
  type ApiEvent,
  type ApiResult,
  errorResult,
  header,
  json,
  queryParameters,
} from './http.ts';
export { MAX_SUBMIT_WAIT_SECONDS, parseWait } from './request.ts';
export { API_ROUTES, matchRoute, type Route, type RouteMatch } from './routes.ts';
export {
  type ApiRunView,
  type ApiTaskView,
  boundRunView,
  MAX_VIEW_BYTES,
  type OmittedOutput,
  VIEW_VALUE_BUDGET_BYTES,
} from './view-budget.ts';
