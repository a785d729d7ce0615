// application: bulk issue — up to 100 drafts of a billing run numbered consecutively in the order given, all or
// nothing; a run an earlier attempt committed is finished with the numbers it committed.
import { defaultSendLimits } from '../domain/delivery';
import { BusinessRuleError, InvalidStateError } from '../domain/errors';
import type { CustomerDetails } from '../domain/invoice';
import { issueInvoice, requestDelivery } from '../domain/invoice';
import { defaultSeries, formatDocumentNumber, type SequenceId } from '../domain/numbering';
import { bulkIssueJobId } from '../platform/key-layout';
import { invoiceNotFound, UnknownEntityError } from './errors';
import type { InvoiceCommandDependencies } from './invoice-commands';
import type { Command } from './request';
import { countSends, reminderOf } from './send-bookkeeping';

export function makeBulkIssue(dependencies: InvoiceCommandDependencies): Command<'issueInvoices'> {
  const { invoices, customers, ledger, newId } = dependencies;
  const sendLimits = dependencies.sendLimits ?? defaultSendLimits;

  const atIndex = (index: number, error: unknown): never => {
    const where = `invoiceIds[${index}]`;
    if (error instanceof UnknownEntityError) throw new UnknownEntityError(`${where}: ${error.message}`);
    if (error instanceof InvalidStateError) {
      throw new InvalidStateError(`${where}: ${error.message}`, { cause: error });
    }
    if (error instanceof BusinessRuleError) {
      throw new BusinessRuleError(`${where}: ${error.message}`, { cause: error });
    }
    throw error;
  };

  const issueMany: Command<'issueInvoices'> = async ({ caller, body }, now) => {
    const jobId = bulkIssueJobId(caller.tenantId, body.invoiceIds);
    const requested: SequenceId = {
      kind: 'invoice',
      series: body.series ?? defaultSeries.invoice,
      year: now.getUTCFullYear(),
    };
    // Independent reads, side by side: the job an earlier attempt of this very run may have committed, the drafts,
    // and the counter (not needed when resuming — one read wasted then, rather than one more wait every time).
    const [committed, found, current] = await Promise.all([
      ledger.bulkIssueJob(caller.tenantId, jobId),
      invoices.getMany(caller.tenantId, body.invoiceIds),
      ledger.currentNumber(caller.tenantId, requested),
    ]);
    // It committed its numbers but did not finish: finish it, as committed.
    const resume = committed !== undefined && !committed.done;
    const sequence: SequenceId = resume ? committed.sequence : requested;
    const send = resume ? committed.send : body.send === true;
    const loaded = found.map((invoice, index) =>
      invoice === undefined ? atIndex(index, invoiceNotFound()) : invoice,
    );
    const snapshots = new Map<string, CustomerDetails | undefined>();
    await Promise.all(
      [
        ...new Set(loaded.flatMap((invoice) => (invoice.customerId === null ? [] : [invoice.customerId]))),
      ].map(async (customerId) => {
        snapshots.set(customerId, (await customers.get(caller.tenantId, customerId))?.details);
      }),
    );
    const firstValue = resume ? committed.firstValue : current + 1;
    const planned = loaded.map((invoice, index) => {
      const number = formatDocumentNumber(sequence, firstValue + index);
      if (resume && invoice.status !== 'draft' && invoice.number === number) {
        return { invoice, issued: undefined, number };
      }
      try {
        const customer =
          invoice.customerId === null
            ? invoice.customer
            : (snapshots.get(invoice.customerId) ?? invoice.customer);
        const issued = issueInvoice(invoice, { number, customer, now });
        if (!send) return { invoice, issued, number };
        const withDelivery = requestDelivery(issued, {
          token: newId('deliveryRequest'),
          now,
          resend: false,
        }).invoice;
        return { invoice, issued: withDelivery, number, reminder: reminderOf(withDelivery, now) };
      } catch (error) {
        return atIndex(index, error);
      }
    });
    const toWrite = planned.flatMap((entry) =>
      entry.issued === undefined
        ? []
        : [
            {
              draft: entry.invoice,
              issued: entry.issued,
              ...('reminder' in entry ? { reminder: entry.reminder } : {}),
            },
          ],
    );
    const sendCount = send && !resume ? countSends(sendLimits, toWrite.length, now) : undefined;
    const firstNumber = formatDocumentNumber(sequence, firstValue);
    const lastNumber = formatDocumentNumber(sequence, firstValue + loaded.length - 1);
    return {
      changes: [],
      bulkIssue: {
        jobId,
        sequence,
        firstValue,
        invoices: toWrite,
        invoiceIds: body.invoiceIds,
        send,
        ...(sendCount === undefined ? {} : { sendCount }),
        resume,
        invoiceAudits: toWrite.map(({ issued }) => ({
          action: 'invoice.issued',
          entityType: 'invoice',
          entityId: issued.id,
          details: {
            number: issued.number,
            total: issued.total,
            currency: issued.currency,
            send,
            bulkIssue: jobId,
          },
        })),
      },
      audit: {
        action: 'invoices.bulk-issued',
        entityType: 'bulk-issue',
        entityId: jobId,
        details: { count: loaded.length, firstNumber, lastNumber, send, resumed: resume },
      },
      reply: {
        body: {
          invoices: planned.map(({ invoice, issued, number }) => ({
            id: invoice.id,
            number,
            status: (issued ?? invoice).status,
          })),
        },
      },
    };
  };

  return issueMany;
}
