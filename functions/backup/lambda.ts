// entry: the AWS Lambda module of backup — built once per instance from the runtime's environment.

import { composeBackup } from '../platform/composition/backup';
import { configNames, createRuntime } from '../platform/composition/runtime';
import { readConfig } from '../platform/config';
import { tracedAwsCalls } from '../platform/tracing';
import { makeHandler } from './handler';

export const handler = makeHandler(
  composeBackup(readConfig(configNames.backup), createRuntime({}, tracedAwsCalls())),
);
