// entry: the AWS Lambda module of chain — built once per instance from the runtime's environment.

import { composeChain } from '../platform/composition/chain';
import { configNames, createRuntime } from '../platform/composition/runtime';
import { readConfig } from '../platform/config';
import { makeHandler } from './handler';

export const handler = makeHandler(composeChain(readConfig(configNames.chain), createRuntime()));
