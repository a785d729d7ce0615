import fc from 'fast-check';
import { containsCardNumber, passesLuhn } from '../../functions/domain/card-numbers';

/** Appends the Luhn check digit to a digit string. */
function withCheckDigit(body: string): string {
  for (let digit = 0; digit <= 9; digit += 1) {
    if (passesLuhn(`${body}${digit}`)) return `${body}${digit}`;
  }
  throw new Error('unreachable');
}

describe('card numbers', () => {
  describe('detection', () => {
    it.each([
      '4111111111111111',
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      'pay with 5500 0000 0000 0004 please',
      '378282246310005',
      'ref 4111 1111 1111 1111 2 items',
    ])('finds the card number in "%s"', (text) => {
      expect(containsCardNumber(text)).toBe(true);
    });

    it.each([
      'invoice 2026-000123',
      '4111111111111112',
      'phone +49 30 1234567',
      'IBAN DE89 3704 0044 0532 0130 00',
      '12345678901234567890123',
    ])('does not flag "%s"', (text) => {
      expect(containsCardNumber(text)).toBe(false);
    });

    it('finds every Luhn-valid 13–19 digit number in surrounding text, however grouped', () => {
      fc.assert(
        fc.property(
          fc
            .integer({ min: 12, max: 18 })
            .chain((length) =>
              fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length }),
            ),
          fc.constantFrom('', ' ', '-'),
          fc.string({ unit: fc.constantFrom(...'abc xyz.,') }),
          (body, separator, text) => {
            const card = withCheckDigit(body);
            const grouped = card.match(/.{1,4}/g)?.join(separator) ?? card;
            expect(containsCardNumber(`${text}${grouped}${text}`)).toBe(true);
          },
        ),
      );
    });
  });
});
