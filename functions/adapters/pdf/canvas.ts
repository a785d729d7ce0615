// adapter: pdfkit → InvoiceRenderer — the canvas: A4 geometry, fonts, and a cursor that draws top to bottom.
/// <reference types="pdfkit" />
// (the reference brings @types/pdfkit's global PDFKit namespace: this file needs its types, not its code)

export type Pdf = PDFKit.PDFDocument;

// A4 in PostScript points. The bottom margin leaves room for the footer.
export const pageSize = { width: 595.28, height: 841.89 } as const;
export const margins = { top: 50, bottom: 72, left: 50, right: 50 } as const;
export const contentRight = pageSize.width - margins.right;
export const bodyBottom = pageSize.height - margins.bottom;
export const footerTop = pageSize.height - 48;

export const fonts = { regular: 'Helvetica', bold: 'Helvetica-Bold' } as const;
export const colors = {
  text: '#111111',
  muted: '#5f6368',
  rule: '#c8ccd0',
  strongRule: '#5f6368',
  void: '#c62828',
  paid: '#2e7d32',
} as const;
export const bodySize = 9;
export const lineHeight = 12;
export const rowPadding = 4;

/** Draws top to bottom, adding pages itself: pdfkit's own automatic page breaks are never triggered. */
export class Canvas {
  y: number = margins.top;
  private size = bodySize;

  constructor(readonly pdf: Pdf) {}

  font(name: string, size: number, color: string = colors.text): void {
    this.size = size;
    this.pdf.font(name).fontSize(size).fillColor(color);
  }

  /** Draws one line of WinAnsi text with its top at y; lineBreak: false keeps pdfkit from wrapping or paging. */
  text(text: string, x: number, y: number = this.y): void {
    if (text.length > 0) this.pdf.text(text, x, y, { lineBreak: false });
  }

  /** Right-aligned at `right`, shrunk to fit `maxWidth` (a 10^15 amount still fits its column). */
  textRight(text: string, right: number, maxWidth: number, y: number = this.y): void {
    const width = this.pdf.widthOfString(text);
    if (width > maxWidth) {
      this.pdf.fontSize((this.size * maxWidth) / width);
      this.pdf.text(text, right - maxWidth, y, { lineBreak: false });
      this.pdf.fontSize(this.size);
      return;
    }
    this.text(text, right - width, y);
  }

  rule(y: number, from: number = margins.left, to: number = contentRight, color: string = colors.rule): void {
    this.pdf
      .moveTo(from, y)
      .lineTo(to, y)
      .lineWidth(color === colors.rule ? 0.5 : 0.8)
      .strokeColor(color)
      .stroke();
  }

  fits(height: number): boolean {
    return this.y + height <= bodyBottom;
  }

  newPage(): void {
    this.pdf.addPage({ size: 'A4', margins });
    this.y = margins.top;
  }

  /**
   * Greedy word wrap with the current font; a word wider than the column is cut between characters.
   * Widths are summed word by word (a line's width plus " word") rather than re-measuring the whole
   * line for every word, which was most of the cost of long descriptions. The sum ignores the kerning
   * between a line's last letter and the space; Helvetica only kerns space pairs closer, so the sum can
   * only overestimate and a line never exceeds the column.
   */
  wrap(text: string, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of text.split('\n')) {
      let line = '';
      let lineWidth = 0;
      for (const word of paragraph.split(' ')) {
        if (word.length === 0) continue;
        const addedWidth = this.pdf.widthOfString(line === '' ? word : ` ${word}`);
        if (lineWidth + addedWidth <= width) {
          line = line === '' ? word : `${line} ${word}`;
          lineWidth += addedWidth;
          continue;
        }
        if (line !== '') lines.push(line);
        let rest = word;
        while (rest.length > 1 && this.pdf.widthOfString(rest) > width) {
          const cut = this.fittingPrefix(rest, width);
          lines.push(rest.slice(0, cut));
          rest = rest.slice(cut);
        }
        line = rest;
        lineWidth = this.pdf.widthOfString(rest);
      }
      lines.push(line);
    }
    return lines;
  }

  private fittingPrefix(word: string, width: number): number {
    let used = 0;
    for (let index = 0; index < word.length; index++) {
      used += this.pdf.widthOfString(word.charAt(index));
      // At least one character per line, or a glyph wider than the column would loop forever.
      if (used > width) return Math.max(index, 1);
    }
    return word.length;
  }

  /** A heading and wrapped paragraph that may continue on the next pages, line by line. */
  paragraph(heading: string, body: string, headingColor: string = colors.text): void {
    this.font(fonts.regular, bodySize);
    const lines = this.wrap(body, contentRight - margins.left);
    this.y += 14;
    if (!this.fits(lineHeight * 2)) this.newPage();
    this.font(fonts.bold, bodySize, headingColor);
    this.text(heading, margins.left);
    this.y += lineHeight + 2;
    this.font(fonts.regular, bodySize);
    for (const line of lines) {
      if (!this.fits(lineHeight)) this.newPage();
      this.text(line, margins.left);
      this.y += lineHeight;
    }
  }

  /**
   * A large word across the middle of the current page, diagonal and translucent so the content under it
   * stays readable. It is text, not a picture, so it is found by search and read out by screen readers.
   */
  stamp(text: string, color: string): void {
    const center = { x: pageSize.width / 2, y: pageSize.height / 2 };
    this.pdf.font(fonts.bold).fontSize(1);
    // 420 pt of text at 35° spans about 345 × 240 pt: inside the margins on any page, whatever the word.
    const size = Math.min(110, 420 / this.pdf.widthOfString(text));
    this.pdf.save();
    this.pdf.rotate(-35, { origin: [center.x, center.y] });
    this.font(fonts.bold, size, color);
    this.pdf.fillOpacity(0.2);
    const width = this.pdf.widthOfString(text);
    this.text(text, center.x - width / 2, center.y - this.pdf.currentLineHeight() / 2);
    // Restoring the graphics state ends the rotation and the opacity for whatever is drawn next.
    this.pdf.restore();
  }
}
