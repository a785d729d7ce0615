// domain: detects payment card numbers in free text so they are refused before anything is stored.

// A run of digits, optionally grouped by single spaces or dashes ("4111 1111-1111 1111").
const digitRunPattern = /\d(?:[ -]?\d)*/g;

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * True when the text holds a Luhn-valid number of 13–19 digits, plain, spaced or dashed.
 * Within a longer grouped run ("4111 1111 1111 1111 2"), every consecutive span of whole groups is
 * tried too, so a card number cannot hide by touching another number.
 */
export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(digitRunPattern)) {
    const groups = match[0].split(/[ -]/);
    for (let first = 0; first < groups.length; first += 1) {
      let digits = '';
      for (let last = first; last < groups.length && digits.length < 19; last += 1) {
        digits += groups[last];
        if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits)) return true;
      }
    }
  }
  return false;
}
