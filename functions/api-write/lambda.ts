// entry: the AWS Lambda module of api-write — built once per instance from the runtime's environment.

import { composeApiWrite } from '../platform/composition/api-write';
import { configNames, createRuntime } from '../platform/composition/runtime';
import { readConfig } from '../platform/config';
import { makeHandler } from './handler';

export const handler = makeHandler(composeApiWrite(readConfig(configNames['api-write']), createRuntime()));
