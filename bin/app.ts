// cdk: entry point — composes the stacks and registers the cdk-nag packs. Nothing else.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { LedgerlockApiStack } from '../lib/api-stack';
import { LedgerlockDataStack } from '../lib/data-stack';

const app = new App();

// `-c account=… -c region=…` wins, then the CLI's profile; the region falls back to a neutral default so
// `cdk synth` works without credentials.
const env = {
  account: app.node.tryGetContext('account') ?? process.env.CDK_DEFAULT_ACCOUNT,
  region: app.node.tryGetContext('region') ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
};

const data = new LedgerlockDataStack(app, 'LedgerlockDataStack', { env });
new LedgerlockApiStack(app, 'LedgerlockApiStack', {
  env,
  dataStore: data.dataStore,
  identity: data.identity,
  documents: data.documents,
  backups: data.backups,
  alerts: data.alerts,
});

Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new ServerlessChecks(app),
  new PCIDSS321Checks(app),
);
