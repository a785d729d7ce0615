// local: the emulators the local stack and the integration tests start, one module per AWS service

export type { RunningDynamoDb } from './dynamodb';
export { JavaRuntimeRequirementError, startDynamoDb } from './dynamodb';
export type { RunningEmulator } from './emulator';
export { emulatorClientConfig } from './emulator';
export type { RunningKms } from './kms';
export { startKms } from './kms';
export { freePort, listeningAddresses } from './ports';
export type { RunningSes } from './ses';
export { clearSentEmails, listSentEmails, startSes } from './ses';
export { startSnsSqs } from './sns-sqs';
