// test: card numbers are found however they are written, and the numbers invoices really hold are not taken for one.
import fc from 'fast-check';
import {
  cardBrandOf,
  cardBrands,
  containsCardNumber,
  containsCardNumberAcrossFields,
  emailHoldsCardNumber,
  findCardNumberAcrossFields,
  passesLuhn,
} from '../../functions/domain/card-numbers';
import {
  type CardSample,
  cardCorpus,
  corpusSeed,
  digitScriptZeros,
  iban,
  luhnCheckDigit,
  type NonCardSample,
  nonCardCorpus,
} from './card-number-corpus';

/** Fixed, printed seed for the property tests; CARD_NUMBER_SEED=<n> replays another. */
const seed = Number(process.env.CARD_NUMBER_SEED ?? corpusSeed);

type Rendering = CardSample['rendering'] | NonCardSample['rendering'];

/** The check the schemas apply to each kind of value. */
function refused(rendering: Rendering): boolean {
  if (rendering.kind === 'email') return emailHoldsCardNumber(rendering.text);
  if (rendering.kind === 'fields') return containsCardNumberAcrossFields(rendering.fields);
  return containsCardNumber(rendering.text);
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

describe('card numbers', () => {
  beforeAll(() => {
    process.stdout.write(`[card-numbers] fast-check seed ${seed} (replay: CARD_NUMBER_SEED=${seed})\n`);
  });

  describe('detection', () => {
    it.each([
      '4111111111111111',
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      'pay with 5500 0000 0000 0004 please',
      '378282246310005',
      'ref 4111 1111 1111 1111 2 items',
      '4111  1111  1111  1111',
      '4111.1111.1111.1111',
      '4111 – 1111 – 1111 – 1111',
      '4111\u00A01111\u20091111\u202F1111',
      '４１１１１１１１１１１１１１１１',
      '٤١١١١١١١١١١١١١١١',
      '4\u200B1\u200C1\u200D1\u00AD1111\u2060111111\uFEFF11',
      '41111111111111111227',
      '00004111111111111111',
      '30569309025904',
      '6011 1111 1111 1117',
      '2223 0000 4841 0010',
    ])('finds the card number in %j', (text) => {
      expect(containsCardNumber(text)).toBe(true);
    });

    it.each([
      'invoice 2026-000123',
      '4111111111111112',
      'phone +49 30 1234567',
      'IBAN DE89 3704 0044 0532 0130 00',
      '12345678901234567890123',
      '1764583200',
      '20261201120000',
      '4006381333931',
      'Leistungszeitraum 23.11.2026 – 22.12.2026',
    ])('does not flag %j', (text) => {
      expect(containsCardNumber(text)).toBe(false);
    });

    it('finds a card number next to an IBAN, a date or a phone number, which are not searched themselves', () => {
      expect(containsCardNumber('DE89 3704 0044 0532 0130 00 4111 1111 1111 1111')).toBe(true);
      expect(containsCardNumber('2026-12-01 4111-1111-1111-1111')).toBe(true);
      expect(containsCardNumber('+49 30 1234567, 4111 1111 1111 1111')).toBe(true);
    });

    it('finds a card number that has a date-like piece, since the date covers only some of its digits', () => {
      const body = '411111111120111';
      const digits = body + luhnCheckDigit(body);
      // "4111 11 11.11.2011 1x": 11.11.2011 is a date, the card takes the digits around it too.
      const text = `${digits.slice(0, 4)} ${digits.slice(4, 6)} ${digits.slice(6, 8)}.${digits.slice(8, 10)}.${digits.slice(10, 14)} ${digits.slice(14)}`;
      expect(containsCardNumber(text)).toBe(true);
    });

    it('reads a valid IBAN as an IBAN, even when its account digits would pass as a card (the documented trade-off)', () => {
      const account = iban('DE', '411111111111111100');
      const grouped = account.match(/.{1,4}/g)?.join(' ') ?? account;
      expect(containsCardNumber(grouped)).toBe(false);
      // The same digits without a valid check pair are not an IBAN, so the card number is found.
      expect(containsCardNumber(`DE00 ${grouped.slice(5)}`)).toBe(true);
    });

    it('does not look for a card buried in the middle of a longer run of digits (the documented limit)', () => {
      expect(containsCardNumber('9941111111111111111199')).toBe(false);
    });
  });

  describe('brands', () => {
    it.each([
      ['4111111111111111', 'Visa'],
      ['4111111111111111110', 'Visa'],
      ['5555555555554444', 'Mastercard'],
      ['2221000000000009', 'Mastercard'],
      ['378282246310005', 'American Express'],
      ['6011111111111117', 'Discover'],
      ['3530111333300000', 'JCB'],
      ['36227206271667', 'Diners Club'],
      ['6200000000000005', 'UnionPay'],
      ['6759649826438453', 'Maestro'],
      ['2200000000000004', 'Mir'],
    ])('takes %s for %s', (digits, brand) => {
      expect(cardBrandOf(digits)).toBe(brand);
      expect(passesLuhn(digits)).toBe(true);
      expect(containsCardNumber(digits)).toBe(true);
    });

    it('does not take a 13-digit number starting with 4 for a Visa card: those are EAN barcodes and phone numbers now', () => {
      expect(passesLuhn('4222222222222')).toBe(true);
      expect(cardBrandOf('4222222222222')).toBeUndefined();
      expect(containsCardNumber('4222222222222')).toBe(false);
    });

    it('knows no brand for numbers that begin with 0, 1, 7, 8 or 9', () => {
      for (const first of '01789') {
        const body = `${first}${'2'.repeat(14)}`;
        expect(cardBrandOf(body + luhnCheckDigit(body))).toBeUndefined();
      }
    });
  });

  describe('corpus', () => {
    const cards = cardCorpus();
    const nonCards = nonCardCorpus();

    it('holds at least 150 card numbers in every disguise and at least 150 realistic non-card values', () => {
      expect(cards.length).toBeGreaterThanOrEqual(150);
      expect(nonCards.length).toBeGreaterThanOrEqual(150);
      expect(new Set(cards.map((card) => card.rendering.kind))).toEqual(new Set(['text', 'email', 'fields']));
      expect(new Set(cards.map((card) => card.brand)).size).toBeGreaterThanOrEqual(10);
    });

    it('refuses every card number in the corpus and accepts every realistic non-card value', () => {
      const missed = cards.filter((card) => !refused(card.rendering));
      const flagged = nonCards.filter((value) => refused(value.rendering));
      process.stdout.write(
        `[card-numbers] corpus seed ${corpusSeed}: card numbers refused ${cards.length - missed.length}/${cards.length} (${percent(cards.length - missed.length, cards.length)}); ` +
          `non-card values accepted ${nonCards.length - flagged.length}/${nonCards.length} (${percent(nonCards.length - flagged.length, nonCards.length)})\n`,
      );
      expect(
        missed.map((card) => `${card.brand}, ${card.disguise}: ${JSON.stringify(card.rendering)}`),
      ).toEqual([]);
      expect(flagged.map((value) => `${value.category}: ${JSON.stringify(value.rendering)}`)).toEqual([]);
    });

    it('covers every disguise the attack run reported', () => {
      const disguises = new Set(cards.map((card) => card.disguise));
      for (const name of [
        'double spaces',
        'dots',
        'slashes',
        'underscores',
        'commas',
        'no-break spaces',
        'thin spaces',
        'en dashes',
        'em dashes',
        'full-width digits',
        'Arabic-Indic digits',
        'zero-width spaces',
        'zero-width joiners',
        'zero-width non-joiners',
        'soft hyphens',
        'word joiners',
        'byte order marks',
        'digits glued after it',
        'in a sentence',
        'e-mail local part',
        'split across two fields between groups',
      ]) {
        expect({ name, present: disguises.has(name) }).toEqual({ name, present: true });
      }
    });
  });

  describe('properties', () => {
    const brandShape = fc
      .constantFrom(...cardBrands)
      .chain((brand) =>
        fc.record({
          prefix: fc.constantFrom(...brand.prefixes).chain((prefix) => {
            const [from = '', to = from] = prefix.split('-');
            return fc.integer({ min: Number(from), max: Number(to) }).map((value) => String(value));
          }),
          length: fc.constantFrom(...brand.lengths),
        }),
      )
      .chain(({ prefix, length }) =>
        fc
          .string({
            unit: fc.constantFrom(...'0123456789'),
            minLength: length - 1 - prefix.length,
            maxLength: length - 1 - prefix.length,
          })
          .map((rest) => prefix + rest + luhnCheckDigit(prefix + rest)),
      );
    const separator = fc.constantFrom(
      ' ',
      '  ',
      '-',
      '.',
      '/',
      '_',
      ',',
      ', ',
      '\u00A0',
      '\u2009',
      '\u202F',
      '\u3000',
      '–',
      '—',
      ' – ',
      ' / ',
    );
    const invisible = fc.constantFrom(
      '\u200B',
      '\u200C',
      '\u200D',
      '\u00AD',
      '\u2060',
      '\uFEFF',
      '\u200E',
      '\u2063',
    );
    /** Each digit in a random script, with random separators and invisible characters between digits. */
    const rendered = (digits: string) =>
      fc
        .tuple(
          fc.array(fc.constantFrom(0x30, ...digitScriptZeros), {
            minLength: digits.length,
            maxLength: digits.length,
          }),
          fc.array(fc.option(separator, { freq: 3 }), { minLength: digits.length, maxLength: digits.length }),
          fc.array(fc.option(invisible, { freq: 2 }), { minLength: digits.length, maxLength: digits.length }),
        )
        .map(([scripts, separators, invisibles]) =>
          [...digits]
            .map(
              (digit, index) =>
                String.fromCodePoint((scripts[index] ?? 0x30) + Number(digit)) +
                (index < digits.length - 1 ? `${invisibles[index] ?? ''}${separators[index] ?? ''}` : ''),
            )
            .join(''),
        );
    const surrounding = fc.constantFrom('', 'Bitte belasten Sie meine Karte ', 'card: ', 'Ref ', '(');

    it('finds any Luhn-valid number of a brand’s prefix and length, in any script, separated and hidden at random', () => {
      fc.assert(
        fc.property(
          brandShape.chain((digits) =>
            fc.tuple(fc.constant(digits), rendered(digits), surrounding, surrounding),
          ),
          ([digits, text, before, after]) => {
            expect({ digits, text, found: containsCardNumber(`${before}${text} ${after}`) }).toEqual({
              digits,
              text,
              found: true,
            });
          },
        ),
        { seed, numRuns: 500 },
      );
    });

    it('finds any such number split across two neighbouring fields at any point', () => {
      fc.assert(
        fc.property(
          brandShape.chain((digits) =>
            fc.tuple(fc.constant(digits), fc.integer({ min: 1, max: digits.length - 1 })),
          ),
          ([digits, cut]) => {
            const fields = [`Hauptstraße ${digits.slice(0, cut)}`, `${digits.slice(cut)} Hinterhaus`];
            expect(containsCardNumberAcrossFields(fields)).toBe(true);
          },
        ),
        { seed, numRuns: 300 },
      );
    });

    it('never flags a number of up to 16 digits that fails Luhn, printed in groups of four in any script', () => {
      fc.assert(
        fc.property(
          brandShape
            .filter((digits) => digits.length <= 16)
            .chain((digits) =>
              fc.tuple(
                fc.constant(digits),
                fc.integer({ min: 1, max: 9 }),
                separator,
                fc.constantFrom(0x30, ...digitScriptZeros),
              ),
            ),
          ([digits, offset, between, zero]) => {
            const broken = digits.slice(0, -1) + String((Number(digits.at(-1)) + offset) % 10);
            const text = (broken.match(/.{1,4}/g) ?? [])
              .map((group) => [...group].map((digit) => String.fromCodePoint(zero + Number(digit))).join(''))
              .join(between);
            expect({ text, found: containsCardNumber(`Ref ${text}.`) }).toEqual({ text, found: false });
          },
        ),
        { seed, numRuns: 300 },
      );
    });
  });

  describe('across fields', () => {
    it('names the neighbouring fields that together hold a card number', () => {
      expect(findCardNumberAcrossFields(['Main street 4111 1111', '1111 1111', 'Köln'])).toEqual({
        from: 0,
        to: 1,
      });
      expect(findCardNumberAcrossFields(['Heidestraße 17', undefined, '4111 1111', '1111 1111'])).toEqual({
        from: 2,
        to: 3,
      });
    });

    it('finds a number split three ways and names the shortest run of fields that holds it', () => {
      expect(findCardNumberAcrossFields(['Heidestraße 17', '4111', '1111 1111', '1111', 'Köln'])).toEqual({
        from: 1,
        to: 3,
      });
    });

    it('leaves ordinary neighbouring fields alone', () => {
      expect(findCardNumberAcrossFields(['Heidestraße 17', 'Hinterhaus', '51147', 'Köln'])).toBeUndefined();
      expect(findCardNumberAcrossFields([])).toBeUndefined();
    });
  });

  describe('e-mail addresses', () => {
    it.each([
      '4111111111111111@example.com',
      '4111.1111.1111.1111@example.com',
      'billing+4111111111111111@example.com',
      'billing@4111-1111-1111-1111.example',
    ])('finds the card number in %s', (address) => {
      expect(emailHoldsCardNumber(address)).toBe(true);
    });

    it.each(['erika@example.com', '13812345678@163.com', 'invoices-2026@firma.de'])(
      'accepts %s',
      (address) => {
        expect(emailHoldsCardNumber(address)).toBe(false);
      },
    );
  });
});
