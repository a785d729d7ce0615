// cdk: stateful identity — the Cognito user pool that issues Ledgerlock's tokens on AWS. Construct ids never change.
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import {
  resourceServerIdentifier,
  type Scope,
  scopeDescriptions,
  scopePrefix,
  scopes,
} from '../functions/platform/routes';
import type { TokenIssuer } from './project-function';

export interface IdentityProps {
  /**
   * Prefix of the Cognito-hosted domain that serves `/oauth2/token` (`<prefix>.auth.<region>.amazoncognito.com`).
   * Lowercase letters, digits and hyphens; unique per region across all AWS accounts.
   * @default - `ledgerlock-<account id>`
   */
  readonly domainPrefix?: string;
}

export interface MachineClientProps {
  /** Scopes the client may request with the client-credentials grant. */
  readonly scopes: readonly Scope[];
  /**
   * Lifetime of its access tokens; short, because API Gateway caches the authorizer answer per token.
   * @default Duration.minutes(60)
   */
  readonly accessTokenValidity?: Duration;
}

/**
 * The user pool with resource server `ledgerlock` (scopes from the route table), a Cognito domain for the
 * token endpoint, and machine (client-credentials) clients added with {@link addMachineClient}. Human users
 * need TOTP MFA and a strong password, and the pool runs on the Plus plan for threat protection.
 */
export class Identity extends Construct implements TokenIssuer {
  readonly userPool: cognito.UserPool;
  readonly resourceServer: cognito.UserPoolResourceServer;
  readonly domain: cognito.UserPoolDomain;
  readonly issuerUrl: string;
  readonly jwksUrl: string;
  readonly scopePrefix = scopePrefix;
  private readonly resourceServerScopes: ReadonlyMap<Scope, cognito.ResourceServerScope>;

  constructor(scope: Construct, id: string, props: IdentityProps = {}) {
    super(scope, id);
    const domainPrefix = props.domainPrefix ?? `ledgerlock-${Aws.ACCOUNT_ID}`;
    if (
      props.domainPrefix !== undefined &&
      !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(props.domainPrefix)
    ) {
      throw new Error(
        `Identity: domainPrefix "${props.domainPrefix}" must be 1–63 lowercase letters, digits or inner hyphens, such as "ledgerlock-prod"`,
      );
    }
    if (props.domainPrefix !== undefined && /aws|amazon|cognito/.test(props.domainPrefix)) {
      throw new Error(
        `Identity: domainPrefix "${props.domainPrefix}" must not contain "aws", "amazon" or "cognito"`,
      );
    }

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Operators invite people; nobody signs themselves up to a tenant.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 12,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const serverScopes = new Map<Scope, cognito.ResourceServerScope>(
      scopes.map((name) => [
        name,
        new cognito.ResourceServerScope({ scopeName: name, scopeDescription: scopeDescriptions[name] }),
      ]),
    );
    this.resourceServerScopes = serverScopes;
    this.resourceServer = this.userPool.addResourceServer('ResourceServer', {
      identifier: resourceServerIdentifier,
      userPoolResourceServerName: 'Ledgerlock API',
      scopes: [...serverScopes.values()],
    });

    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix } });

    this.issuerUrl = this.userPool.userPoolProviderUrl;
    this.jwksUrl = `${this.issuerUrl}/.well-known/jwks.json`;
  }

  /**
   * Adds an app client for a machine caller: client-credentials grant only, a generated secret, and only
   * the custom scopes given. Its id maps to a tenant through the API-client item the authorizer reads.
   */
  addMachineClient(id: string, props: MachineClientProps): cognito.UserPoolClient {
    if (props.scopes.length === 0) {
      throw new Error(
        `Identity.addMachineClient ${id}: scopes is empty; give at least one of ${scopes.join(', ')}`,
      );
    }
    const validity = props.accessTokenValidity ?? Duration.minutes(60);
    if (validity.toMinutes() < 5 || validity.toMinutes() > 24 * 60) {
      throw new Error(
        `Identity.addMachineClient ${id}: accessTokenValidity ${validity.toHumanString()} must be 5 minutes to 1 day`,
      );
    }
    const oauthScopes = props.scopes.map((name) => {
      const serverScope = this.resourceServerScopes.get(name);
      if (serverScope === undefined) {
        throw new Error(
          `Identity.addMachineClient ${id}: unknown scope "${name}"; use one of ${scopes.join(', ')}`,
        );
      }
      return cognito.OAuthScope.resourceServer(this.resourceServer, serverScope);
    });
    return this.userPool.addClient(id, {
      generateSecret: true,
      authFlows: {},
      oAuth: { flows: { clientCredentials: true }, scopes: oauthScopes },
      accessTokenValidity: validity,
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
  }
}
