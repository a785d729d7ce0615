// ops: the AWS price table `npm run cost` multiplies its measured counters by — us-east-1, on-demand, USD, list
// prices without free tiers or volume discounts. One place to update when AWS changes a price.
//
// As published on these AWS pricing pages (DynamoDB on-demand at the rates in effect since 2024-11-01), written
// down on 2026-12-01 without re-fetching them (this machine has no network): check them before quoting a figure,
// and move the date with any change:
//   DynamoDB      https://aws.amazon.com/dynamodb/pricing/on-demand/  (on-demand, Standard table class)
//   KMS           https://aws.amazon.com/kms/pricing/
//   S3            https://aws.amazon.com/s3/pricing/                  (Standard; Glacier Instant Retrieval)
//   CloudWatch    https://aws.amazon.com/cloudwatch/pricing/          (Logs: Standard class ingestion, storage)
//   Lambda        https://aws.amazon.com/lambda/pricing/              (Arm, first pricing tier)
//   SES           https://aws.amazon.com/ses/pricing/                 (outbound email, attachments)
//   API Gateway   https://aws.amazon.com/api-gateway/pricing/         (REST APIs, first 333 million)
//   WAF           https://aws.amazon.com/waf/pricing/                 (requests inspected)
//   X-Ray         https://aws.amazon.com/xray/pricing/                (traces recorded)
//   SNS, SQS      https://aws.amazon.com/sns/pricing/, https://aws.amazon.com/sqs/pricing/ (standard)
//   AWS Backup    https://aws.amazon.com/backup/pricing/              (DynamoDB backup storage, warm)
// DynamoDB Streams reads by a Lambda event source mapping are free, and so is publishing metrics as log lines
// (EMF: only their ingestion as logs is billed). Monthly fixed costs (keys, alarms, custom metrics, the WAF web ACL
// and its rules) do not grow with invoices and are left out of a per-invoice figure.

export const pricesAsOf = '2026-12-01';

export const prices = {
  dynamodb: {
    /** Per write request unit (1 KB; transactional writes take two). $0.625 per million. */
    writeRequestUnit: 0.625 / 1e6,
    /** Per read request unit (4 KB strongly consistent, two eventually consistent; transactional reads two). */
    readRequestUnit: 0.125 / 1e6,
    /** Table storage, per GB-month (the first 25 GB free are ignored). */
    storageGbMonth: 0.25,
    /** Continuous backups (point-in-time recovery), per GB-month of table size. */
    pitrGbMonth: 0.2,
  },
  kms: {
    /** Per API request (Decrypt, GenerateMac, GenerateDataKey, …): $0.03 per 10,000. */
    request: 0.03 / 10_000,
  },
  s3: {
    /** PUT, COPY, POST, LIST requests: $0.005 per 1,000. */
    putRequest: 0.005 / 1000,
    /** GET, HEAD and other requests: $0.0004 per 1,000. */
    getRequest: 0.0004 / 1000,
    /** S3 Standard storage, per GB-month (first 50 TB). */
    standardGbMonth: 0.023,
    /** S3 Glacier Instant Retrieval storage, per GB-month (the backup bucket moves there after 90 days). */
    glacierInstantGbMonth: 0.004,
  },
  logs: {
    /** CloudWatch Logs ingestion, Standard log class, per GB. */
    ingestionGb: 0.5,
    /** CloudWatch Logs storage (archived, compressed), per GB-month. */
    storageGbMonth: 0.03,
  },
  lambda: {
    /** Per request. $0.20 per million. */
    request: 0.2 / 1e6,
    /** Arm (Graviton) duration, per GB-second. */
    gbSecondArm: 0.0000133334,
  },
  ses: {
    /** Per outbound email: $0.10 per 1,000. */
    email: 0.1 / 1000,
    /** Per GB of attachments sent. */
    attachmentGb: 0.12,
  },
  apiGateway: {
    /** REST API requests: $3.50 per million (first 333 million a month). */
    restRequest: 3.5 / 1e6,
  },
  waf: {
    /** Requests the web ACL inspects: $0.60 per million. */
    request: 0.6 / 1e6,
  },
  xray: {
    /** Traces recorded: $5.00 per million. */
    traceRecorded: 5 / 1e6,
    /** Share of requests the default sampling rule records beyond the first per second: 5 %. */
    defaultSampledShare: 0.05,
  },
  sns: {
    /** Standard topic publishes: $0.50 per million requests. */
    publish: 0.5 / 1e6,
  },
  sqs: {
    /** Standard queue requests: $0.40 per million. */
    request: 0.4 / 1e6,
  },
  backup: {
    /** AWS Backup storage of DynamoDB backups (warm), per GB-month. */
    dynamoDbWarmGbMonth: 0.1,
  },
} as const;
