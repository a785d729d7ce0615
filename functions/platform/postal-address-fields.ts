// platform: the fields of a PostalAddress (domain/invoice.ts) as one zod/mini shape, for the schemas that read an
// address back inside the system — strictly at render's boundary (invoice-document-schema.ts), leniently inside a
// sealed part (adapters/dynamodb-codecs.ts). One list, so a field the domain's address gains reaches both: a
// stored address render refused would hold up every email of that customer.
import * as z from 'zod/mini';

export const postalAddressFields = {
  line1: z.string(),
  line2: z.optional(z.string()),
  city: z.string(),
  postalCode: z.string(),
  region: z.optional(z.string()),
  country: z.string(),
};
