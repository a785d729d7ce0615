// cdk: backup lock settings — how long and how strictly backups are locked: the retention from context and the
// rule that tells a test stage (GOVERNANCE) from every other (COMPLIANCE).
import type { Construct } from 'constructs';

/** The CDK context key of the backups' Object Lock retention in days (cdk.json, or `-c …=3653`). */
export const backupRetentionContextKey = 'ledgerlock:backupRetentionDays';
/** The CDK context key that names the deployment stage (`-c ledgerlock:stage=dev`). */
export const stageContextKey = 'ledgerlock:stage';
/** Ten years and the leap days in them: invoices must be kept for up to ten years in many jurisdictions. */
export const defaultBackupRetentionDays = 3653;
/** S3 Object Lock accepts retention periods up to 100 years. */
const maxRetentionDays = 36_500;

/** The words of a stage name that make it a test stage (see {@link isTestStage}). */
export const testStageWords = ['test', 'dev', 'ci'] as const;

/**
 * Whether `stage` names a test deployment: one of its words (split at non-alphanumerics and camelCase humps) is
 * `test`, `dev` or `ci`, in any case — `LedgerlockTestDataStack`, `ledgerlock-dev`, `CI`. Whole words, not
 * substrings: /test|dev|ci/ would also match "latest", "device", "special" or "commercial" and quietly put a
 * production bucket in GOVERNANCE mode.
 */
export function isTestStage(stage: string): boolean {
  const words = stage
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.toLowerCase());
  return words.some((word) => (testStageWords as readonly string[]).includes(word));
}

/** The retention in days from the prop, else the context value (a number, or digits from `-c`), else the default. */
export function backupRetentionDays(scope: Construct, explicit?: number): number {
  const raw: unknown =
    explicit ?? scope.node.tryGetContext(backupRetentionContextKey) ?? defaultBackupRetentionDays;
  const days = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > maxRetentionDays) {
    throw new Error(
      `Backups: backup retention ${JSON.stringify(raw)} is not a whole number of days from 1 to ${maxRetentionDays}; set the context value ${backupRetentionContextKey} (cdk.json, or -c ${backupRetentionContextKey}=${defaultBackupRetentionDays}) to one`,
    );
  }
  return days;
}
