// entry: the AWS Lambda module of authorizer — built once per instance from the runtime's environment.

import { composeAuthorizer } from '../platform/composition/authorizer';
import { configNames, createRuntime } from '../platform/composition/runtime';
import { readConfig } from '../platform/config';
import { makeHandler } from './handler';

export const handler = makeHandler(composeAuthorizer(readConfig(configNames.authorizer), createRuntime()));
