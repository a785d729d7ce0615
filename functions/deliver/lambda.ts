// entry: the AWS Lambda module of deliver — built once per instance from the runtime's environment.

import { composeDeliver } from '../platform/composition/deliver';
import { configNames, createRuntime } from '../platform/composition/runtime';
import { readConfig } from '../platform/config';
import { makeHandler } from './handler';

export const handler = makeHandler(composeDeliver(readConfig(configNames.deliver), createRuntime({})));
