// port: one page of a list, and the error every paged list answers to a cursor it did not issue.

export interface Page<Item> {
  readonly items: readonly Item[];
  /** Opaque; absent on the last page. */
  readonly nextCursor?: string;
}

/** The cursor was not issued for this tenant and list (edited, forged, or from another list). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
