// test: the Cognito identity — scopes from the route table, human-user hardening, machine clients.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { scopes } from '../../functions/platform/routes';
import { Identity } from '../../lib/identity';
import { buildLedgerlock, type LedgerlockTestApp, testApp, testEnv } from './ledgerlock-app';

let built: LedgerlockTestApp;
beforeAll(() => {
  built = buildLedgerlock();
});

function identityStack() {
  const stack = new Stack(testApp(), 'IdentityTest', { env: testEnv });
  const identity = new Identity(stack, 'Identity', { domainPrefix: 'ledgerlock-test' });
  return { stack, identity };
}

describe('Identity', () => {
  describe('resource server', () => {
    it('offers every scope of the route table under the ledgerlock identifier', () => {
      built.dataTemplate.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
        Identifier: 'ledgerlock',
        Scopes: scopes.map((name) => Match.objectLike({ ScopeName: name })),
      });
    });

    it('tells functions the issuer, its JWKS and the scope prefix tokens carry', () => {
      const { stack, identity } = identityStack();
      expect(identity.scopePrefix).toBe('ledgerlock/');
      expect(stack.resolve(identity.issuerUrl)).toEqual({
        'Fn::GetAtt': [expect.any(String), 'ProviderURL'],
      });
      expect(stack.resolve(identity.jwksUrl)).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.any(String), 'ProviderURL'] }, '/.well-known/jwks.json']],
      });
    });
  });

  describe('human users', () => {
    it('requires TOTP MFA and offers no SMS factor', () => {
      built.dataTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      });
    });

    it('demands long passwords with every character class', () => {
      built.dataTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 14,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
      });
    });

    it('enforces threat protection on the Plus plan and lets nobody sign themselves up', () => {
      built.dataTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        DeletionProtection: 'ACTIVE',
      });
    });

    it('retains the user pool when the stack goes', () => {
      built.dataTemplate.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    });

    it('serves the token endpoint from a Cognito domain', () => {
      built.dataTemplate.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    });
  });

  describe('machine clients', () => {
    it('grants only the client-credentials flow with a secret and the requested scopes', () => {
      const { stack, identity } = identityStack();
      identity.addMachineClient('TenantClient', { scopes: ['invoices:read', 'invoices:write'] });
      Template.fromStack(stack).hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: true,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: [
          { 'Fn::Join': ['', [{ Ref: Match.anyValue() }, '/invoices:read']] },
          { 'Fn::Join': ['', [{ Ref: Match.anyValue() }, '/invoices:write']] },
        ],
        ExplicitAuthFlows: Match.absent(),
      });
    });

    it('refuses a client without scopes', () => {
      const { identity } = identityStack();
      expect(() => identity.addMachineClient('Empty', { scopes: [] })).toThrow(/scopes is empty/);
    });
  });

  describe('props', () => {
    it('rejects a domain prefix Cognito would refuse', () => {
      const stack = new Stack(testApp(), 'BadDomain', { env: testEnv });
      expect(() => new Identity(stack, 'Identity', { domainPrefix: 'Ledgerlock_Prod' })).toThrow(
        /domainPrefix "Ledgerlock_Prod" must be 1–63 lowercase letters/,
      );
    });
  });
});
