import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES } from '../../src/api/routes.ts';
import { UserInputError } from '../../src/errors.ts';
import { API_THROTTLE_DEFAULTS, type ApiThrottle } from './settings.ts';

/**
 * One JSON line per request, from the variables HTTP APIs support (`jsonWithStandardFields` is made for REST
 * APIs and names `$context.resourcePath`, which HTTP APIs lack).
 */
export const HTTP_API_ACCESS_LOG = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  // JWT mode: the token's subject (IAM mode leaves it empty, as JWT mode leaves caller)
  subject: '$context.authorizer.claims.sub',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
} as const;

/** Who may call the API: AWS IAM (SigV4) by default, or bearer JWTs from an OIDC or Cognito issuer. */
export type WeftApiAuth =
  | { readonly type: 'iam' }
  | {
      readonly type: 'jwt';
      /** The issuer URL, e.g. `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
      readonly issuer: string;
      /** Accepted `aud` (or Cognito `client_id`) values; at least one. */
      readonly audience: readonly string[];
    };

export interface WeftHttpApiProps {
  readonly handler: IFunction;
  readonly auth: WeftApiAuth;
  readonly logRetention: RetentionDays;
  /** The stage's default route throttling; requests past it get 429 from API Gateway. @default API_THROTTLE_DEFAULTS */
  readonly throttle?: ApiThrottle;
}

/**
 * The HTTP API: exactly the routes the API handler serves, each behind the authoriser (no anonymous
 * route, no `$default` catch-all), throttled, with JSON access logs on the `$default` stage kept in a log
 * group that outlives the stack (an audit trail of who called what).
 */
export class WeftHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: WeftHttpApiProps) {
    super(scope, id);
    if (props.auth.type === 'jwt' && props.auth.audience.length === 0) {
      throw new UserInputError(
        'orchestrator.settings',
        'WeftHttpApi: a JWT authoriser needs at least one audience (the app client id)',
      );
    }
    const authorizer: IHttpRouteAuthorizer =
      props.auth.type === 'iam'
        ? new HttpIamAuthorizer()
        : new HttpJwtAuthorizer('JwtAuthorizer', props.auth.issuer, {
            jwtAudience: [...props.auth.audience],
          });
    this.api = new HttpApi(this, 'Api', {
      description: 'weft: submit and inspect workflow runs',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...(props.throttle ?? API_THROTTLE_DEFAULTS) },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(HTTP_API_ACCESS_LOG)),
      },
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', props.handler);
    for (const route of API_ROUTES) {
      const [method, path] = route.split(' ') as [keyof typeof HttpMethod, string];
      this.api.addRoutes({ path, methods: [HttpMethod[method]], integration });
    }
  }

  /** The API's base URL (`https://<id>.execute-api.<region>.amazonaws.com`). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
