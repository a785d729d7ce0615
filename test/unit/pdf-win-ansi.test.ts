// unit tests: adapters/pdf/win-ansi — text the standard PDF fonts can draw, alone and in a rendered invoice.
import fc from 'fast-check';
import { toWinAnsi } from '../../functions/adapters/pdf/win-ansi';
import { invoice, readPdf, renderer } from './pdf-support';

describe('WinAnsi text', () => {
  describe('characters outside WinAnsi', () => {
    it('renders CJK, Cyrillic, Greek, emoji and control characters without throwing', async () => {
      const document = invoice(
        [
          {
            description: '🚀 Launch — Счёт №42 ＡＢＣ Ελληνικά',
            quantity: 1,
            unitAmount: 1000,
            taxRateBps: 0,
          },
          {
            description: 'Bell\u0007 escape\u001b[31m nul\u0000 done',
            quantity: 1,
            unitAmount: 1000,
            taxRateBps: 0,
          },
        ],
        {
          buyer: {
            name: '王小明 Łukasz Ødegård',
            email: 'wang@example.cn',
            address: { line1: '北京市朝阳区', city: 'Beijing', postalCode: '100020', country: 'CN' },
          },
          memo: 'Grüße 👨‍👩‍👧 Fin',
        },
      );

      const { text } = await readPdf(await renderer.render(document));

      expect(text).toContain('??? Lukasz Ødegård');
      expect(text).toContain('? Launch — ???? No42 ABC ????????');
      expect(text).toContain('Bell escape[31m nul done');
      expect(text).toContain('Grüße ??? Fin');
      expect(text).not.toMatch(
        /[^\n\u0020-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/u,
      );
    });

    it('renders any Unicode text in any field', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.string({ unit: 'grapheme', maxLength: 60 }),
          async (name, description) => {
            const document = invoice([{ description, quantity: 1, unitAmount: 1, taxRateBps: 1900 }], {
              buyer: {
                name,
                email: name,
                address: { line1: name, city: description, postalCode: name, country: name },
              },
              memo: description,
            });
            const bytes = await renderer.render(document);
            expect(new TextDecoder('latin1').decode(bytes.subarray(0, 5))).toBe('%PDF-');
          },
        ),
        { numRuns: 40 },
      );
    });
  });

  describe('toWinAnsi', () => {
    it.each([
      ['ASCII and Latin-1 unchanged', 'Müller & Søn, 12 €', 'Müller & Søn, 12 €', true],
      ['composes decomposed accents', 'Cafe\u0301', 'Café', true],
      ['narrow no-break space → no-break space', '1\u202f234,56\u00a0€', '1\u00a0234,56\u00a0€', true],
      ['minus sign → hyphen', '\u22120,05', '-0,05', true],
      ['drops bidi marks', '\u200f1,234.50\u200f', '1,234.50', true],
      ['fullwidth → ASCII', '￥１２３', '¥123', true],
      ['strips accents WinAnsi lacks', 'Łódź, Ștefan, Ő', 'Lódz, Stefan, O', false],
      ['one ? per unsupported character', '王小明 🚀', '??? ?', false],
      ['drops control characters, keeps newlines', 'a\u0000b\r\nc\td', 'ab\nc d', true],
    ])('%s', (_, input, expected, lossless) => {
      expect(toWinAnsi(input)).toEqual({ text: expected, lossless });
    });

    it('only ever returns characters WinAnsiEncoding has', () => {
      const winAnsi =
        /^[\n\u0020-\u007e\u00a0-\u00ac\u00ae-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]*$/u;
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (input) => {
          expect(toWinAnsi(input).text).toMatch(winAnsi);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
