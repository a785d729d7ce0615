// entry: the AWS Lambda module of detect — built once per instance from the runtime's environment.

import { composeDetect } from '../platform/composition/detect';
import { configNames, createRuntime } from '../platform/composition/runtime';
import { readConfig } from '../platform/config';
import { tracedAwsCalls } from '../platform/tracing';
import { makeHandler } from './handler';

export const handler = makeHandler(
  composeDetect(readConfig(configNames.detect), createRuntime({}, tracedAwsCalls())),
);
