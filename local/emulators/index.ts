// local: the emulators the local stack and the integration tests start, one module per AWS service

export type { DynamoDbOptions, JavaRuntime, RunningDynamoDb } from './dynamodb';
export { findJavaRuntime, JavaRuntimeRequirementError, startDynamoDb } from './dynamodb';
export type { RunningEmulator } from './emulator';
export { EmulatorStartError, emulatorClientConfig, localAwsIdentity } from './emulator';
export type { KmsErrorName, KmsOptions, RunningKms } from './kms';
export { createKmsRequestListener, KmsError, startKms } from './kms';
export { freePort, listeningAddresses } from './ports';
export type { S3Options } from './s3';
export { decodeAwsChunkedBody, startS3 } from './s3';
export type { RunningSes, SentEmail, SesOptions } from './ses';
export { clearSentEmails, listSentEmails, startSes } from './ses';
export type { SnsSqsOptions } from './sns-sqs';
export { startSnsSqs } from './sns-sqs';
