// entry: the AWS Lambda module of api-read — built once per instance from the runtime's environment.

import { composeApiRead } from '../platform/composition/api-read';
import { configNames, createRuntime } from '../platform/composition/runtime';
import { readConfig } from '../platform/config';
import { makeHandler } from './handler';

export const handler = makeHandler(composeApiRead(readConfig(configNames['api-read']), createRuntime()));
