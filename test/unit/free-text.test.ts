// test: free text — invisible characters are found and named; digits are read in every script.
import fc from 'fast-check';
import { findInvisibleCharacter, normalizeForDigits } from '../../functions/domain/free-text';

const seed = Number(process.env.CARD_NUMBER_SEED ?? 20261201);

/** Every code point of a general category or property, as this Node's Unicode data has it. */
function codePointsMatching(pattern: RegExp): number[] {
  const found: number[] = [];
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += 1) {
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
    if (pattern.test(String.fromCodePoint(codePoint))) found.push(codePoint);
  }
  return found;
}

const label = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

describe('free text', () => {
  describe('invisible characters', () => {
    it.each(
      [
        [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
        [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
        [0x202c, 'POP DIRECTIONAL FORMATTING'],
        [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
        [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
        [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
        [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
        [0x2068, 'FIRST STRONG ISOLATE'],
        [0x2069, 'POP DIRECTIONAL ISOLATE'],
        [0x200b, 'ZERO WIDTH SPACE'],
        [0x200c, 'ZERO WIDTH NON-JOINER'],
        [0x200d, 'ZERO WIDTH JOINER'],
        [0x200e, 'LEFT-TO-RIGHT MARK'],
        [0x200f, 'RIGHT-TO-LEFT MARK'],
        [0x2060, 'WORD JOINER'],
        [0x2061, 'FUNCTION APPLICATION'],
        [0x2062, 'INVISIBLE TIMES'],
        [0x2063, 'INVISIBLE SEPARATOR'],
        [0x2064, 'INVISIBLE PLUS'],
        [0xfeff, 'ZERO WIDTH NO-BREAK SPACE (BYTE ORDER MARK)'],
        [0x00ad, 'SOFT HYPHEN'],
        [0x061c, 'ARABIC LETTER MARK'],
        [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
        [0x2028, 'LINE SEPARATOR'],
        [0x3164, 'HANGUL FILLER'],
        [0xe0041, 'TAG CHARACTER'],
      ].map(
        ([codePoint, name]) => [label(codePoint as number), name as string, codePoint as number] as const,
      ),
    )('finds %s (%s) in a name and names it', (_label, name, codePoint) => {
      const text = `Erika${String.fromCodePoint(codePoint)}Mustermann`;
      expect(findInvisibleCharacter(text)).toMatchObject({
        codePoint,
        label: label(codePoint),
        name,
        index: 5,
      });
    });

    it('says why a bidirectional control is refused: it changes what a reader sees', () => {
      expect(findInvisibleCharacter('Invoice \u202Efdp.exe')?.reason).toMatch(/reorders how the text/);
      expect(findInvisibleCharacter('zero\u200Bwidth')?.reason).toMatch(/invisible/);
    });

    it('finds every format character (\\p{Cf}) of this Unicode version between Latin letters', () => {
      const missed = codePointsMatching(/^\p{Cf}$/u).filter(
        (codePoint) =>
          findInvisibleCharacter(`a${String.fromCodePoint(codePoint)}b`)?.codePoint !== codePoint,
      );
      expect(missed.map(label)).toEqual([]);
    });

    it('finds an unpaired surrogate, which encodes no character', () => {
      expect(findInvisibleCharacter('lone \uD800 half')).toMatchObject({
        label: 'U+D800',
        name: 'UNPAIRED SURROGATE',
      });
    });

    it.each([
      ['a plain name', 'Erika Mustermann'],
      ['accents, composed and decomposed', 'Zoë Ångström, Café Plüschke, e\u0301'],
      ['other scripts', '東京都千代田区 · مرحبا · Δημήτρης · Шевченко · שלום'],
      ['a Persian word spelled with a zero-width non-joiner', 'می\u200Cخواهم'],
      ['a Hindi word spelled with a zero-width joiner', 'क्\u200Dष'],
      ['a Malayalam chillu with a zero-width joiner', 'ന്\u200D'],
      ['an emoji ZWJ sequence', 'Team 👩‍💻👨🏽‍🍳'],
      ['an emoji with a variation selector', 'Danke ❤️'],
      ['a flag', 'Lieferung 🇩🇪'],
    ])('accepts %s', (_name, text) => {
      expect(findInvisibleCharacter(text)).toBeUndefined();
    });

    it('refuses the joiners where no script needs them: between Latin letters, at the ends, after an emoji alone', () => {
      expect(findInvisibleCharacter('Pay\u200Dpal')?.label).toBe('U+200D');
      expect(findInvisibleCharacter('Pay\u200Cpal')?.label).toBe('U+200C');
      expect(findInvisibleCharacter('\u200Dname')?.label).toBe('U+200D');
      expect(findInvisibleCharacter('👍\u200D')?.label).toBe('U+200D');
      // Between two scripts the joiner shapes nothing.
      expect(findInvisibleCharacter('a\u200Cب')?.label).toBe('U+200C');
    });

    it('finds an invisible character anywhere in any text', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: fc.constantFrom(...'Erika Mustermann 0123456789,.-') }),
          fc.string({ unit: fc.constantFrom(...'Heidestraße 17 Köln') }),
          fc.constantFrom('\u202E', '\u2066', '\u200B', '\u2060', '\uFEFF', '\u00AD', '\u200E', '\u2063'),
          (before, after, invisible) => {
            expect(findInvisibleCharacter(`${before}${invisible}${after}`)?.index).toBe(before.length);
          },
        ),
        { seed },
      );
    });
  });

  describe('digits for the card check', () => {
    it('maps every Unicode decimal digit (\\p{Nd}) to an ASCII digit', () => {
      const left = codePointsMatching(/^\p{Nd}$/u).filter(
        (codePoint) => !/^[0-9]$/.test(normalizeForDigits(String.fromCodePoint(codePoint))),
      );
      expect(left.map(label)).toEqual([]);
    });

    it('reads each digit with the value Intl gives it, in every decimal numbering system Intl knows', () => {
      const checked: string[] = [];
      for (const system of Intl.supportedValuesOf('numberingSystem')) {
        const format = new Intl.NumberFormat(`en-u-nu-${system}`, { useGrouping: false });
        const digits = [...'0123456789'].map((digit) => format.format(Number(digit)));
        if (!digits.every((digit) => /^\p{Nd}$/u.test(digit))) continue; // algorithmic or not decimal
        checked.push(system);
        expect({ system, read: digits.map(normalizeForDigits).join('') }).toEqual({
          system,
          read: '0123456789',
        });
      }
      expect(checked).toEqual(
        expect.arrayContaining(['arab', 'arabext', 'deva', 'beng', 'fullwide', 'thai', 'tibt']),
      );
    });

    it('drops format characters and combining marks, and turns no-break and thin spaces into spaces', () => {
      expect(normalizeForDigits('4\u200B1\u200C1\u200D1\u00AD1\u20601\uFEFF1\u200E1')).toBe('41111111');
      expect(normalizeForDigits('4\u03321\uFE0F\u20E3')).toBe('41');
      expect(normalizeForDigits('4111\u00A01111\u20091111\u202F1111')).toBe('4111 1111 1111 1111');
      expect(normalizeForDigits('𝟒𝟏𝟏𝟏 ４１１１ ①②')).toBe('4111 4111 12');
    });

    it('keeps letters and punctuation as they are, so they still separate numbers', () => {
      expect(normalizeForDigits('Heidestraße 17, 51147 Köln')).toBe('Heidestraße 17, 51147 Köln');
    });
  });
});
