export { type ApiHandler, type ApiHandlerDeps, type ApiLogger, createApiHandler } from './handler.ts';
export { type ApiErrorBody, type ApiEvent, type ApiResult, errorResult, header, json } from './http.ts';
export { MAX_BODY_BYTES } from './request.ts';
export { API_ROUTES, matchRoute, type Route, type RouteMatch } from './routes.ts';
