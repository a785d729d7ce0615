import { policyFor, routeArn, stageArnOf } from '../../functions/platform/authorizer-policy';
import { routes } from '../../functions/platform/routes';

const methodArn = 'arn:aws:execute-api:eu-central-1:123456789012:abc123/v1/GET/v1/invoices/inv_1';

describe('authorizer policy', () => {
  describe('scopes to routes', () => {
    it('allows exactly the routes whose scope was granted, on every path of that route', () => {
      const policy = policyFor(methodArn, ['invoices:read']);
      const [statement] = policy.Statement;
      expect(statement?.Effect).toBe('Allow');
      const resources = statement && 'Resource' in statement ? [statement.Resource].flat() : [];
      const expected = routes
        .filter((route) => route.scope === 'invoices:read')
        .map((route) => routeArn('arn:aws:execute-api:eu-central-1:123456789012:abc123/v1', route));
      expect(resources.sort()).toEqual(expected.sort());
      expect(resources).toContain(
        'arn:aws:execute-api:eu-central-1:123456789012:abc123/v1/GET/v1/invoices/*',
      );
    });

    it('denies the request when no scope is granted', () => {
      const policy = policyFor(methodArn, []);
      expect(policy.Statement).toEqual([
        { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: methodArn },
      ]);
    });

    it('covers the stage of the request only', () => {
      expect(stageArnOf(methodArn)).toBe('arn:aws:execute-api:eu-central-1:123456789012:abc123/v1');
      expect(() => stageArnOf('not-an-arn')).toThrow();
    });
  });
});
