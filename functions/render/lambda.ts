// entry: the AWS Lambda module of render — built once per instance from the runtime's environment.

import { composeRender } from '../platform/composition/render';
import { configNames, createRuntime } from '../platform/composition/runtime';
import { readConfig } from '../platform/config';
import { makeHandler } from './handler';

export const handler = makeHandler(composeRender(readConfig(configNames.render), createRuntime({})));
