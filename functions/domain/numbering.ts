// domain: document numbers — gap-free per tenant, document kind, series and year. Pure, no AWS import.

export type DocumentKind = 'invoice' | 'credit-note';

export const defaultSeries: Readonly<Record<DocumentKind, string>> = { invoice: 'INV', 'credit-note': 'CN' };

/**
 * Series that belong to one document kind only. Credit notes number in `CN`; an invoice in `CN` would print
 * `CN-2026-000001` beside the credit note of that number. Kinds never share a series, so — a printed number being
 * series, year and counter, with no `-` in a series — no two documents of a tenant print the same number.
 */
const reservedSeries: Readonly<Record<string, DocumentKind>> = {
  [defaultSeries['credit-note']]: 'credit-note',
};

/** The kind a series is reserved for, if any. */
export function seriesOwner(series: string): DocumentKind | undefined {
  return reservedSeries[series];
}

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
