// adapter: pdfkit → InvoiceRenderer — the drawing: header, line table, totals, notices, page marks.
import {
  bodySize,
  type Canvas,
  colors,
  contentRight,
  fonts,
  footerTop,
  lineHeight,
  margins,
  rowPadding,
} from './canvas';
import type { InvoiceView, MarkingView, RowView } from './invoice-view';
import type { Labels } from './labels';

interface Column {
  readonly key: keyof RowView;
  readonly x: number;
  readonly width: number;
  readonly align: 'left' | 'right';
}
const columnGap = 8;
const lineColumns: readonly Column[] = (() => {
  const spec: readonly Omit<Column, 'x'>[] = [
    { key: 'description', width: 0, align: 'left' }, // takes what the others leave
    { key: 'quantity', width: 40, align: 'right' },
    { key: 'unitPrice', width: 85, align: 'right' },
    { key: 'taxRate', width: 45, align: 'right' },
    { key: 'amount', width: 95, align: 'right' },
  ];
  const fixed = spec.reduce((sum, column) => sum + column.width, 0) + columnGap * (spec.length - 1);
  let x = margins.left;
  return spec.map((column) => {
    const width = column.width || contentRight - margins.left - fixed;
    const placed = { ...column, x, width };
    x += width + columnGap;
    return placed;
  });
})();

function drawHeader(canvas: Canvas, view: InvoiceView): void {
  const { labels } = view;
  const leftWidth = 260;
  const rightLeft = 330;

  // Seller, top left.
  let left = margins.top;
  canvas.font(fonts.bold, 12);
  for (const line of canvas.wrap(view.seller.name, leftWidth)) {
    canvas.text(line, margins.left, left);
    left += 15;
  }
  canvas.font(fonts.regular, bodySize, colors.muted);
  for (const detail of view.seller.details) {
    for (const line of canvas.wrap(detail, leftWidth)) {
      canvas.text(line, margins.left, left);
      left += lineHeight;
    }
  }

  // Title and invoice facts, top right.
  let right = margins.top;
  canvas.font(fonts.bold, 22, view.marking?.status === 'void' ? colors.void : colors.text);
  canvas.textRight(view.heading, contentRight, contentRight - rightLeft, right);
  right += 34;
  for (const [label, value] of [
    [labels.number, view.number],
    [labels.issueDate, view.issueDate],
    [labels.dueDate, view.dueDate],
  ] as const) {
    canvas.font(fonts.regular, bodySize, colors.muted);
    canvas.text(label, rightLeft, right);
    canvas.font(fonts.bold, bodySize);
    canvas.textRight(value, contentRight, contentRight - rightLeft - 90, right);
    right += lineHeight + 2;
  }

  // Buyer.
  let y = Math.max(left, right) + 26;
  canvas.font(fonts.bold, 8, colors.muted);
  canvas.text(labels.billTo.toUpperCase(), margins.left, y);
  y += lineHeight;
  canvas.font(fonts.bold, 11);
  for (const line of canvas.wrap(view.buyer.name, leftWidth)) {
    canvas.text(line, margins.left, y);
    y += 14;
  }
  canvas.font(fonts.regular, bodySize);
  for (const detail of view.buyer.details) {
    for (const line of canvas.wrap(detail, leftWidth)) {
      canvas.text(line, margins.left, y);
      y += lineHeight;
    }
  }
  canvas.y = y + 24;
}

function drawTableHeader(canvas: Canvas, labels: Labels): void {
  canvas.font(fonts.bold, 8.5, colors.muted);
  const titles: Record<keyof RowView, string> = {
    description: labels.description,
    quantity: labels.quantity,
    unitPrice: labels.unitPrice,
    taxRate: labels.taxRate,
    amount: labels.amount,
  };
  for (const column of lineColumns) {
    const title = titles[column.key];
    if (column.align === 'left') canvas.text(title, column.x);
    else canvas.textRight(title, column.x + column.width, column.width);
  }
  canvas.y += lineHeight + 1;
  canvas.rule(canvas.y, margins.left, contentRight, colors.strongRule);
}

function drawLines(canvas: Canvas, view: InvoiceView): void {
  const [descriptionColumn, ...numberColumns] = lineColumns;
  if (descriptionColumn === undefined) return;
  drawTableHeader(canvas, view.labels);
  for (const row of view.rows) {
    canvas.font(fonts.regular, bodySize);
    const lines = canvas.wrap(row.description, descriptionColumn.width);
    // The first description line stays with the numbers; later lines may continue on the next page.
    if (!canvas.fits(rowPadding * 2 + lineHeight)) {
      canvas.newPage();
      drawTableHeader(canvas, view.labels);
      canvas.font(fonts.regular, bodySize);
    }
    canvas.y += rowPadding;
    for (const column of numberColumns) {
      canvas.textRight(row[column.key], column.x + column.width, column.width);
    }
    lines.forEach((line, index) => {
      if (index > 0 && !canvas.fits(lineHeight + rowPadding)) {
        canvas.newPage();
        drawTableHeader(canvas, view.labels);
        canvas.font(fonts.regular, bodySize);
        canvas.y += rowPadding;
      }
      canvas.text(line, descriptionColumn.x);
      canvas.y += lineHeight;
    });
    canvas.y += rowPadding;
    canvas.rule(canvas.y);
  }
}

/** Totals on the right, kept together; the tax breakdown on the left, row by row across pages if long. */
function drawSummary(canvas: Canvas, view: InvoiceView): void {
  const totalsLeft = 330;
  const totalsHeight = view.totals.length * (lineHeight + 4) + 10;
  canvas.y += 16;
  if (!canvas.fits(totalsHeight)) canvas.newPage();
  const top = canvas.y;
  const startPage = canvas.pdf.bufferedPageRange().count;

  let y = top;
  for (const total of view.totals) {
    if (total.emphasis === 'final') {
      y += 4;
      canvas.rule(y - 3, totalsLeft, contentRight, colors.strongRule);
    }
    const size = total.emphasis === 'final' ? 11 : bodySize;
    canvas.font(total.emphasis === 'normal' ? fonts.regular : fonts.bold, size);
    canvas.text(total.label, totalsLeft, y);
    canvas.textRight(total.value, contentRight, contentRight - totalsLeft - 95, y);
    y += (total.emphasis === 'final' ? 15 : lineHeight) + 4;
  }
  const totalsBottom = y;

  // Tax breakdown, left of the totals: rate | taxable amount | tax.
  const baseRight = margins.left + 170;
  const taxRight = totalsLeft - 20;
  const amountWidth = 85;
  const breakdownRow = (rate: string, base: string, tax: string): void => {
    canvas.text(rate, margins.left);
    canvas.textRight(base, baseRight, amountWidth);
    canvas.textRight(tax, taxRight, amountWidth);
  };
  canvas.font(fonts.bold, 8.5, colors.muted);
  breakdownRow(view.labels.taxBreakdownRate, view.labels.taxBreakdownBase, view.labels.taxBreakdownTax);
  canvas.y += lineHeight + 1;
  canvas.rule(canvas.y, margins.left, taxRight, colors.strongRule);
  canvas.font(fonts.regular, bodySize);
  for (const entry of view.taxBreakdown) {
    if (!canvas.fits(lineHeight + rowPadding)) {
      canvas.newPage();
      canvas.font(fonts.regular, bodySize);
    }
    canvas.y += rowPadding;
    breakdownRow(entry.rate, entry.base, entry.tax);
    canvas.y += lineHeight;
  }
  if (canvas.pdf.bufferedPageRange().count === startPage) canvas.y = Math.max(canvas.y, totalsBottom);
}

const markingColors = { void: colors.void, paid: colors.paid } as const;

/** Why nothing is to be paid, where an issued document has its payment details. */
function drawMarkingNotice(canvas: Canvas, view: InvoiceView, marking: MarkingView): void {
  canvas.paragraph(`${view.labels.status}: ${marking.stamp}`, marking.notice, markingColors[marking.status]);
}

/**
 * Once every page exists (needs bufferPages): the stamp of a paid or void document on each page, so a
 * page printed or forwarded alone still says so, and page numbers once there is more than one page.
 */
function drawPageMarks(canvas: Canvas, view: InvoiceView): void {
  const { start, count } = canvas.pdf.bufferedPageRange();
  for (let index = 0; index < count; index++) {
    canvas.pdf.switchToPage(start + index);
    if (view.marking) canvas.stamp(view.marking.stamp, markingColors[view.marking.status]);
    if (count < 2) continue;
    canvas.rule(footerTop - 6, margins.left, contentRight, colors.rule);
    canvas.font(fonts.regular, 8, colors.muted);
    canvas.text(view.number, margins.left, footerTop);
    canvas.textRight(view.labels.page(index + 1, count), contentRight, 150, footerTop);
  }
}

/** Draws the whole invoice, page after page, from a view whose every string is already drawable. */
export function drawInvoice(canvas: Canvas, view: InvoiceView): void {
  drawHeader(canvas, view);
  drawLines(canvas, view);
  drawSummary(canvas, view);
  if (view.marking) drawMarkingNotice(canvas, view, view.marking);
  if (view.paymentInstructions) canvas.paragraph(view.labels.paymentDetails, view.paymentInstructions);
  if (view.memo) canvas.paragraph(view.labels.notes, view.memo);
  drawPageMarks(canvas, view);
}
