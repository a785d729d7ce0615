// domain: document numbers — gap-free per tenant, document kind, series and year. Pure, no AWS import.

export type DocumentKind = 'invoice' | 'credit-note';

export const defaultSeries: Readonly<Record<DocumentKind, string>> = { invoice: 'INV', 'credit-note': 'CN' };

/** Identifies one counter: numbers are consecutive within it, and it restarts each calendar year. */
export interface SequenceId {
  readonly kind: DocumentKind;
  readonly series: string;
  readonly year: number;
}

export function sequenceName(sequence: SequenceId): string {
  return `${sequence.kind}#${sequence.series}#${sequence.year}`;
}

/** `INV-2026-000123`: series, year, and the counter zero-padded to six digits (wider when it outgrows them). */
export function formatDocumentNumber(sequence: SequenceId, value: number): string {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`sequence value must be ≥ 1, got ${value}`);
  return `${sequence.series}-${sequence.year}-${String(value).padStart(6, '0')}`;
}
