// test: GET /v1/invoices/{id}/pdf through the local stack — api-read asks render (through the Lambda emulator),
// which renders the invoice's current document once per state into moto's S3 and answers a presigned link; the
// client follows the 303 there. The document always matches the state it was linked for.
import { extractText, getDocumentProxy } from 'unpdf';
import { as, clientsByRole, endpoints, sampleInvoice, tokenFor } from './support';

const { tenantA, tenantB, admin } = clientsByRole();

/** The API's answer to GET /pdf, not followed. */
async function pdfRedirect(invoiceId: string, client = tenantA) {
  return fetch(`${endpoints().apiBaseUrl}/v1/invoices/${invoiceId}/pdf`, {
    headers: { authorization: `Bearer ${await tokenFor(client)}` },
    redirect: 'manual',
  });
}

/** What the link downloads, as a client following the redirect gets it (no token: the link carries its own). */
async function download(location: string) {
  const response = await fetch(location);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text =
    response.status === 200
      ? (await extractText(await getDocumentProxy(bytes), { mergePages: true })).text
      : new TextDecoder().decode(bytes);
  return { response, text };
}

async function issued() {
  const api = await as(tenantA);
  const draft = await api.post('/v1/invoices', sampleInvoice());
  const invoice = await api.post(`/v1/invoices/${draft.body.id}/issue`, {});
  expect(invoice.status).toBe(200);
  return invoice.body as { id: string; number: string };
}

describe('the PDF link', () => {
  it('answers 303 with a 60 s link into the documents bucket, keyed by the caller’s tenant, never cached', async () => {
    const invoice = await issued();

    const answer = await pdfRedirect(invoice.id);

    expect(answer.status).toBe(303);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    // moto's S3 (through the stack's metering proxy when it runs with test hooks), path-style.
    const location = new URL(answer.headers.get('location') ?? '');
    expect(location.hostname).toBe('127.0.0.1');
    // The seller profile's version depends on what ran before; the invoice is at version 2 once issued.
    expect(location.pathname).toMatch(
      new RegExp(
        `^/${endpoints().buckets.documents}/documents/v1/${tenantA.tenantId}/${invoice.id}/v2-p\\d+-r1\\.pdf$`,
      ),
    );
    expect(location.searchParams.get('X-Amz-Expires')).toBe('60');
  });

  it('downloads the invoice as a PDF attachment named by its number', async () => {
    const invoice = await issued();
    const location = (await pdfRedirect(invoice.id)).headers.get('location') ?? '';

    const { response, text } = await download(location);

    expect(response.status).toBe(200);
    expect(text).toContain(invoice.number);
    // S3 answers with these headers; moto keeps the stored ones, so the link's parameters are what can be checked.
    const overrides = new URL(location).searchParams;
    expect({
      disposition: overrides.get('response-content-disposition'),
      type: overrides.get('response-content-type'),
      cache: overrides.get('response-cache-control'),
    }).toEqual({
      disposition: `attachment; filename="${invoice.number}.pdf"`,
      type: 'application/pdf',
      cache: 'no-store',
    });
    expect(response.headers.get('content-type')).toBe('application/pdf');
  });

  it('links a voided invoice to a document marked void, never to the one from before', async () => {
    const invoice = await issued();
    const before = (await pdfRedirect(invoice.id)).headers.get('location') ?? '';
    const voided = await (await as(tenantA)).post(`/v1/invoices/${invoice.id}/void`, {
      reason: 'wrong customer',
    });
    expect(voided.status).toBe(200);

    const after = (await pdfRedirect(invoice.id)).headers.get('location') ?? '';

    expect(new URL(after).pathname).not.toBe(new URL(before).pathname);
    const { text } = await download(after);
    expect(text).toContain('VOID');
    expect(text).not.toContain('IBAN');
    expect((await download(before)).text).not.toContain('VOID');
  });

  it('renders an issued invoice anew once the seller profile changes', async () => {
    const invoice = await issued();
    const owner = await as(admin);
    const { updatedAt: _updatedAt, ...original } = (await owner.get('/v1/seller-profile')).body;
    const before = (await pdfRedirect(invoice.id)).headers.get('location') ?? '';
    try {
      // The name only: a payout change would raise an alert nobody here is looking for.
      expect((await owner.put('/v1/seller-profile', { ...original, name: 'Acme Renamed GmbH' })).status).toBe(
        200,
      );

      const after = (await pdfRedirect(invoice.id)).headers.get('location') ?? '';

      expect(after).not.toBe(before);
      expect((await download(after)).text).toContain('Acme Renamed GmbH');
    } finally {
      await owner.put('/v1/seller-profile', original);
    }
  });

  it('answers another tenant’s invoice with 404 and no link, and a draft with 409', async () => {
    const invoice = await issued();
    const draft = await (await as(tenantA)).post('/v1/invoices', sampleInvoice());

    const foreign = await pdfRedirect(invoice.id, tenantB);
    const ofDraft = await pdfRedirect(draft.body.id);

    expect([foreign.status, foreign.headers.get('location')]).toEqual([404, null]);
    expect([ofDraft.status, ofDraft.headers.get('location')]).toEqual([409, null]);
  });
});
