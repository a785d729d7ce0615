// test data: card numbers in every disguise the attack run found, and realistic numbers that are not card
// numbers. Generated from a fixed seed, so every run sees the same values; check digits are computed, not
// copied, so the IBANs, barcodes and parcel numbers are as valid as real ones.

export const corpusSeed = 20261201;

/** mulberry32: small, fast, and the same sequence on every platform. */
function randomFrom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const digits = (count: number) => Array.from({ length: count }, () => String(integer(0, 9))).join('');
  const pick = <T>(values: readonly T[]): T => values[integer(0, values.length - 1)] as T;
  return { next, integer, digits, pick };
}

// ---- check digits ----

export function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let index = 0; index < body.length; index += 1) {
    let digit = Number(body[body.length - 1 - index]);
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return String((10 - (sum % 10)) % 10);
}

function gs1CheckDigit(body: string): string {
  let sum = 0;
  for (let index = 0; index < body.length; index += 1) {
    sum += Number(body[body.length - 1 - index]) * (index % 2 === 0 ? 3 : 1);
  }
  return String((10 - (sum % 10)) % 10);
}

function mod97(reference: string): number {
  let remainder = 0;
  for (const character of reference) {
    const value = Number.parseInt(character, 36);
    remainder = (remainder * (value > 9 ? 100 : 10) + value) % 97;
  }
  return remainder;
}

/** ISO 13616: the two check digits that make the rearranged IBAN ≡ 1 (mod 97). */
export function iban(country: string, bban: string): string {
  const check = 98 - mod97(`${bban}${country}00`);
  return `${country}${String(check).padStart(2, '0')}${bban}`;
}

/** ISO 11649 creditor reference. */
function creditorReference(reference: string): string {
  const check = 98 - mod97(`${reference}RF00`);
  return `RF${String(check).padStart(2, '0')}${reference}`;
}

function qrReferenceCheckDigit(body: string): string {
  const table = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
  let carry = 0;
  for (const digit of body) carry = table[(carry + Number(digit)) % 10] ?? 0;
  return String((10 - carry) % 10);
}

function isbn13(body12: string): string {
  return `${body12}${gs1CheckDigit(body12)}`;
}

const groupsOf = (text: string, size: number) =>
  text.match(new RegExp(`.{1,${size}}`, 'g'))?.join(' ') ?? text;

// ---- card numbers ----

/** One issuer prefix and one length each brand really issues. */
export const cardShapes: readonly {
  readonly brand: string;
  readonly prefix: string;
  readonly length: number;
}[] = [
  { brand: 'Visa', prefix: '4', length: 16 },
  { brand: 'Visa', prefix: '4', length: 19 },
  { brand: 'Visa', prefix: '4', length: 18 },
  { brand: 'Mastercard', prefix: '5', length: 16 },
  { brand: 'Mastercard 2-series', prefix: '2720', length: 16 },
  { brand: 'Mastercard 2-series', prefix: '2221', length: 16 },
  { brand: 'American Express', prefix: '34', length: 15 },
  { brand: 'American Express', prefix: '37', length: 15 },
  { brand: 'Discover', prefix: '6011', length: 16 },
  { brand: 'Discover', prefix: '65', length: 19 },
  { brand: 'Discover', prefix: '644', length: 16 },
  { brand: 'JCB', prefix: '3528', length: 16 },
  { brand: 'JCB', prefix: '3589', length: 19 },
  { brand: 'Diners Club', prefix: '36', length: 14 },
  { brand: 'Diners Club', prefix: '300', length: 14 },
  { brand: 'Diners Club', prefix: '38', length: 16 },
  { brand: 'UnionPay', prefix: '62', length: 16 },
  { brand: 'UnionPay', prefix: '62', length: 19 },
  { brand: 'Maestro', prefix: '6759', length: 13 },
  { brand: 'Maestro', prefix: '5018', length: 15 },
  { brand: 'Maestro', prefix: '6304', length: 19 },
  { brand: 'Maestro', prefix: '58', length: 17 },
  { brand: 'Mir', prefix: '2200', length: 16 },
];

/** Mastercard's 51–55 drawn afresh for each number; other prefixes are taken as given. */
function cardNumber(random: ReturnType<typeof randomFrom>, prefix: string, length: number): string {
  const start = prefix === '5' ? String(random.integer(51, 55)) : prefix;
  const body = start + random.digits(length - 1 - start.length);
  return body + luhnCheckDigit(body);
}

/** How people group each length: 4-6-5 for Amex, 4-6-4 for Diners, fours otherwise. */
function printed(digits: string, separator: string): string {
  const sizes = digits.length === 15 ? [4, 6, 5] : digits.length === 14 ? [4, 6, 4] : [];
  if (sizes.length === 0) return digits.match(/.{1,4}/g)?.join(separator) ?? digits;
  let offset = 0;
  return sizes
    .map((size) => {
      const group = digits.slice(offset, offset + size);
      offset += size;
      return group;
    })
    .join(separator);
}

/** The zero of a Unicode decimal digit set; the other nine follow it. */
const digitScripts = {
  fullWidth: 0xff10,
  arabicIndic: 0x0660,
  persian: 0x06f0,
  devanagari: 0x0966,
  bengali: 0x09e6,
  thai: 0x0e50,
  tibetan: 0x0f20,
  mathematicalBold: 0x1d7ce,
  mathematicalMonospace: 0x1d7f6,
} as const;

export const digitScriptZeros: readonly number[] = Object.values(digitScripts);

const inScript = (digits: string, zero: number) =>
  [...digits].map((digit) => String.fromCodePoint(zero + Number(digit))).join('');
const between = (digits: string, filler: string) => [...digits].join(filler);

type Rendering =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'email'; readonly text: string }
  | { readonly kind: 'fields'; readonly fields: readonly string[] };

interface Disguise {
  readonly name: string;
  readonly render: (digits: string) => Rendering;
  /**
   * Set for the disguises the rule does not look for at every length: a 13- or 14-digit card (Maestro, Diners
   * Club) glued to other digits is not searched for, as that would refuse one 15-digit parcel number in 250.
   */
  readonly minimumLength?: number;
}

/** Each disguise: a name, and the card digits rendered in it. */
export const disguises: readonly Disguise[] = [
  ...(
    [
      ['plain', (digits: string) => digits],
      ['one space', (digits: string) => printed(digits, ' ')],
      ['hyphens', (digits: string) => printed(digits, '-')],
      ['double spaces', (digits: string) => printed(digits, '  ')],
      ['many spaces', (digits: string) => printed(digits, '      ')],
      ['dots', (digits: string) => printed(digits, '.')],
      ['slashes', (digits: string) => printed(digits, '/')],
      ['underscores', (digits: string) => printed(digits, '_')],
      ['commas', (digits: string) => printed(digits, ',')],
      ['comma and space', (digits: string) => printed(digits, ', ')],
      ['no-break spaces', (digits: string) => printed(digits, '\u00A0')],
      ['thin spaces', (digits: string) => printed(digits, '\u2009')],
      ['narrow no-break spaces', (digits: string) => printed(digits, '\u202F')],
      ['figure spaces', (digits: string) => printed(digits, '\u2007')],
      ['ideographic spaces', (digits: string) => printed(digits, '\u3000')],
      ['en dashes', (digits: string) => printed(digits, '–')],
      ['em dashes', (digits: string) => printed(digits, '—')],
      ['spaced en dashes', (digits: string) => printed(digits, ' – ')],
      ['dashes run', (digits: string) => printed(digits, ' ---- ')],
      ['tabs', (digits: string) => printed(digits, '\t')],
      ['every digit spaced', (digits: string) => between(digits, ' ')],
      ['thousands separators', (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')],
      ['full-width digits', (digits: string) => inScript(digits, digitScripts.fullWidth)],
      ['full-width, spaced', (digits: string) => printed(inScript(digits, digitScripts.fullWidth), '\u3000')],
      ['Arabic-Indic digits', (digits: string) => inScript(digits, digitScripts.arabicIndic)],
      ['Persian digits', (digits: string) => inScript(digits, digitScripts.persian)],
      ['Devanagari digits', (digits: string) => printed(inScript(digits, digitScripts.devanagari), ' ')],
      ['Bengali digits', (digits: string) => inScript(digits, digitScripts.bengali)],
      ['Thai digits', (digits: string) => inScript(digits, digitScripts.thai)],
      ['mathematical bold digits', (digits: string) => inScript(digits, digitScripts.mathematicalBold)],
      [
        'a different script for every digit',
        (digits: string) =>
          [...digits]
            .map((digit, index) =>
              String.fromCodePoint(
                (digitScriptZeros[index % digitScriptZeros.length] ?? 0x30) + Number(digit),
              ),
            )
            .join(''),
      ],
      [
        'circled digits',
        (digits: string) => [...digits].map((digit) => '⓪①②③④⑤⑥⑦⑧⑨'[Number(digit)]).join(''),
      ],
      [
        'superscript digits',
        (digits: string) => [...digits].map((digit) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(digit)]).join(''),
      ],
      ['keycap emoji', (digits: string) => `${between(digits, '\uFE0F\u20E3')}\uFE0F\u20E3`],
      ['zero-width spaces', (digits: string) => between(digits, '\u200B')],
      ['zero-width joiners', (digits: string) => between(digits, '\u200D')],
      ['zero-width non-joiners', (digits: string) => between(digits, '\u200C')],
      ['soft hyphens', (digits: string) => printed(digits, '\u00AD')],
      ['word joiners', (digits: string) => between(digits, '\u2060')],
      ['byte order marks', (digits: string) => `\uFEFF${between(digits, '\uFEFF')}`],
      ['left-to-right marks', (digits: string) => between(digits, '\u200E')],
      ['inside a right-to-left override', (digits: string) => `\u202E${digits}\u202C`],
      ['combining underline', (digits: string) => `${between(digits, '\u0332')}\u0332`],
      [
        'full-width, dots and zero-width spaces',
        (digits: string) => printed(between(inScript(digits, digitScripts.fullWidth), '\u200B'), '.'),
      ],
      [
        'Arabic-Indic with soft hyphens and no-break spaces',
        (digits: string) => printed(inScript(digits, digitScripts.arabicIndic), '\u00AD\u00A0'),
      ],
      ['zeros padding it', (digits: string) => `0000${digits}`],
      ['after another number', (digits: string) => `Ref 12 ${printed(digits, ' ')}`],
      ['before another number', (digits: string) => `${printed(digits, ' ')} 12/27 123`],
      [
        'in a sentence',
        (digits: string) => `Please charge my card ${printed(digits, ' ')} for this invoice, thanks!`,
      ],
      ['after a date', (digits: string) => `Paid 2026-12-01 with ${printed(digits, '-')}`],
      ['next to an IBAN', (digits: string) => `DE89 3704 0044 0532 0130 00 / ${printed(digits, ' ')}`],
      ['in parentheses', (digits: string) => `Karte (${printed(digits, ' ')})`],
      ['as an amount', (digits: string) => `EUR ${digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.')},00`],
    ] as const
  ).map(([name, render]) => ({
    name,
    render: (digits: string): Rendering => ({ kind: 'text', text: render(digits) }),
  })),
  ...(
    [
      ['digits glued after it', (digits: string) => `${digits}1227`],
      ['digits glued before it', (digits: string) => `77${digits}`],
      ['expiry and code glued after it', (digits: string) => `${digits}0128123`],
    ] as const
  ).map(([name, render]) => ({
    name,
    render: (digits: string): Rendering => ({ kind: 'text', text: render(digits) }),
    minimumLength: 15,
  })),
  ...(
    [
      ['e-mail local part', (digits: string) => `${digits}@example.com`],
      ['e-mail local part with dots', (digits: string) => `${printed(digits, '.')}@example.com`],
      ['e-mail local part with hyphens', (digits: string) => `${printed(digits, '-')}@example.com`],
      ['e-mail local part with underscores', (digits: string) => `${printed(digits, '_')}@firma.de`],
      ['e-mail sub-address', (digits: string) => `billing+${digits}@example.com`],
      ['e-mail domain', (digits: string) => `billing@${printed(digits, '-')}.example`],
    ] as const
  ).map(([name, render]) => ({
    name,
    render: (digits: string): Rendering => ({ kind: 'email', text: render(digits) }),
  })),
  {
    name: 'split across two fields between groups',
    render: (digits) => {
      const [first = '', ...rest] = printed(digits, ' ').split(' ');
      return { kind: 'fields', fields: [`Hauptstraße 5, ${first}`, rest.join(' ')] };
    },
  },
  {
    name: 'split across two fields inside a group',
    render: (digits) => ({ kind: 'fields', fields: [digits.slice(0, 6), `${digits.slice(6)} Hinterhaus`] }),
  },
  {
    name: 'split across two fields, full-width and dotted',
    render: (digits) => ({
      kind: 'fields',
      fields: [
        printed(inScript(digits.slice(0, 8), digitScripts.fullWidth), '.'),
        printed(digits.slice(8), '.'),
      ],
    }),
  },
  {
    name: 'split across three fields',
    render: (digits) => ({
      kind: 'fields',
      fields: [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)],
    }),
  },
];

export interface CardSample {
  readonly brand: string;
  readonly digits: string;
  readonly disguise: string;
  readonly rendering: Rendering;
}

/** Every card shape in every disguise that applies to its length, a fresh number each time. */
export function cardCorpus(seed = corpusSeed): CardSample[] {
  const random = randomFrom(seed);
  return cardShapes.flatMap(({ brand, prefix, length }) =>
    disguises
      .filter((disguise) => length >= (disguise.minimumLength ?? 0))
      .map(({ name, render }) => {
        const digits = cardNumber(random, prefix, length);
        return { brand, digits, disguise: name, rendering: render(digits) };
      }),
  );
}

// ---- numbers that are not card numbers ----

export interface NonCardSample {
  readonly category: string;
  readonly rendering: Rendering;
}

const ibanFormats: readonly (readonly [string, (random: ReturnType<typeof randomFrom>) => string])[] = [
  ['DE', (random) => random.digits(18)],
  ['AT', (random) => random.digits(16)],
  ['CH', (random) => random.digits(17)],
  ['FR', (random) => random.digits(23)],
  ['IT', (random) => `X${random.digits(22)}`],
  ['ES', (random) => random.digits(20)],
  ['NL', (random) => `ABNA${random.digits(10)}`],
  ['BE', (random) => random.digits(12)],
  ['GB', (random) => `NWBK${random.digits(14)}`],
  ['IE', (random) => `AIBK${random.digits(14)}`],
  ['PL', (random) => random.digits(24)],
  ['SE', (random) => random.digits(20)],
  ['NO', (random) => random.digits(11)],
  ['DK', (random) => random.digits(14)],
  ['FI', (random) => random.digits(14)],
  ['PT', (random) => random.digits(21)],
  ['LU', (random) => random.digits(16)],
  ['CZ', (random) => random.digits(20)],
  ['HU', (random) => random.digits(24)],
  ['GR', (random) => random.digits(23)],
];

/** Phone formats: # is a random digit. */
const phoneFormats = [
  '+49 30 #######',
  '+49 (0)30 #### ####',
  '+49 151 ########',
  '+49 1512 #######',
  '+49 (0) 1512 #######',
  '0049 30 ########',
  '030 / ########',
  '+44 20 #### ####',
  '+44 (0)20 #### ####',
  '+44 7### ######',
  '+33 1 ## ## ## ##',
  '+33 (0)6 ## ## ## ##',
  '+1 (###) ###-####',
  '+1-###-###-####',
  '+39 06 #### ####',
  '+34 6## ### ###',
  '+41 44 ### ## ##',
  '+43 664 #######',
  '+31 20 ### ####',
  '+86 138 #### ####',
  '+81 3-####-####',
  '+61 4## ### ###',
  '+55 11 9####-####',
  '+91 98### #####',
  '+971 50 ### ####',
  '+7 (495) ###-##-##',
  '+49 89 ######-##',
  'Tel. +49 (0)221 ######, Fax +49 (0)221 ######',
];

const fill = (random: ReturnType<typeof randomFrom>, pattern: string) =>
  pattern.replace(/#/g, () => String(random.integer(0, 9)));

const vatFormats = [
  'DE#########',
  'ATU########',
  'FR## #########',
  'IT###########',
  'ESB########',
  'NL#########B01',
  'BE0#########',
  'PL##########',
  'SE############',
  'DK########',
  'GB### #### ##',
  'IE#######WH',
  'CZ########',
  'HU########',
  'PT#########',
  'CHE-###.###.### MWST',
];

const steuernummerFormats = [
  '##/###/#####',
  '###/###/#####',
  '#####/#####',
  '## ### #####',
  '1#/###/#####',
  'Steuer-IdNr. ## ### ### ###',
];

/** The 13-digit unified federal tax number: Finanzamt (state code first), 0, district, serial, check. */
const unifiedTaxNumberStates = [
  '28',
  '9',
  '11',
  '30',
  '24',
  '22',
  '26',
  '40',
  '23',
  '51',
  '27',
  '10',
  '32',
  '31',
  '21',
  '41',
];

const amazonPrefixes = [
  '302',
  '303',
  '304',
  '305',
  '306',
  '028',
  '111',
  '112',
  '113',
  '114',
  '402',
  '403',
  '404',
  '405',
  '406',
  '407',
  '408',
  '171',
  '202',
  '203',
  '204',
  '205',
  '206',
  '701',
];

const eanPrefixes = [
  '400',
  '401',
  '410',
  '420',
  '426',
  '440',
  '500',
  '501',
  '505',
  '509',
  '300',
  '340',
  '376',
  '540',
  '570',
  '640',
  '690',
  '693',
  '760',
  '800',
  '841',
  '870',
  '900',
  '930',
  '000',
  '036',
  '070',
];

function ean13(random: ReturnType<typeof randomFrom>, prefix: string): string {
  const body = prefix + random.digits(12 - prefix.length);
  return body + gs1CheckDigit(body);
}

const uspsApplicationIds = ['9400', '9205', '9361', '9270', '9303', '9407', '9505'];

function nonCardTexts(random: ReturnType<typeof randomFrom>): { category: string; text: string }[] {
  const samples: { category: string; text: string }[] = [];
  const add = (category: string, ...texts: string[]) => {
    for (const text of texts) samples.push({ category, text });
  };

  // Published examples first: the values people actually paste.
  add(
    'IBAN',
    'DE89 3704 0044 0532 0130 00',
    'IBAN DE89370400440532013000',
    'GB29 NWBK 6016 1331 9268 19',
    'FR14 2004 1010 0505 0001 3M02 606',
    'CH93 0076 2011 6238 5295 7',
    'NL91ABNA0417164300',
    'AT61 1904 3002 3457 3201',
    'BE68 5390 0754 7034',
  );
  for (const [country, bban] of ibanFormats) {
    for (let copy = 0; copy < 3; copy += 1) {
      const value = iban(country, bban(random));
      add(
        'IBAN',
        copy === 0 ? value : copy === 1 ? groupsOf(value, 4) : `IBAN: ${groupsOf(value, 4)}, BIC COBADEFFXXX`,
      );
    }
  }
  add('BIC', 'COBADEFFXXX', 'DEUTDEDBBER', 'BNPAFRPPXXX', 'NWBKGB2L', 'UBSWCHZH80A');
  for (let copy = 0; copy < 4; copy += 1) {
    add('RF creditor reference', groupsOf(creditorReference(random.digits(random.integer(8, 15))), 4));
  }
  for (let copy = 0; copy < 4; copy += 1) {
    const body = random.digits(26);
    const reference = body + qrReferenceCheckDigit(body);
    add(
      'QR-bill reference',
      copy % 2 === 0 ? reference : `${reference.slice(0, 2)} ${groupsOf(reference.slice(2), 5)}`,
    );
  }
  for (const format of phoneFormats) add('phone number', fill(random, format), fill(random, format));
  for (const format of vatFormats) add('EU VAT id', fill(random, format), fill(random, format));
  for (const format of steuernummerFormats) add('German tax number', fill(random, format));
  for (const state of unifiedTaxNumberStates) {
    const office = state + random.digits(4 - state.length);
    add(
      'German tax number (unified, 13 digits)',
      `${office}0${random.digits(3)}${random.digits(4)}${random.digits(1)}`,
    );
  }
  add('US EIN', fill(random, '##-#######'), fill(random, 'EIN ##-#######'));
  for (let copy = 0; copy < 6; copy += 1) {
    add(
      'order number',
      `Amazon order ${random.pick(amazonPrefixes)}-${random.digits(7)}-${random.digits(7)}`,
    );
  }
  add(
    'order number',
    fill(random, 'eBay ##-#####-#####'),
    fill(random, 'Shopify #####'),
    fill(random, 'PO 4500######'),
    fill(random, 'Bestellnr. 10########'),
    fill(random, 'SO-2026-#####'),
    fill(random, 'Auftrag 2026/######'),
  );
  for (let copy = 0; copy < 3; copy += 1) {
    const upsBody = `1Z${fill(random, '###')}AA1${random.digits(7)}`;
    add('UPS tracking number', `${upsBody}${random.integer(0, 9)}`);
  }
  for (let copy = 0; copy < 3; copy += 1)
    add('FedEx tracking number', fill(random, '#### #### ####'), random.digits(15));
  for (let copy = 0; copy < 4; copy += 1) {
    const body = random.pick(uspsApplicationIds) + random.digits(17);
    const tracking = body + gs1CheckDigit(body);
    add('USPS tracking number', copy % 2 === 0 ? tracking : groupsOf(tracking, 4));
  }
  for (let copy = 0; copy < 4; copy += 1) {
    const sscc = `340434${random.digits(11)}`;
    add('DHL parcel number (SSCC)', `00${sscc}${gs1CheckDigit(sscc)}`);
  }
  add('DHL Express waybill', random.digits(10), fill(random, 'JJD00###########'));
  add(
    'DPD / GLS / Hermes parcel number',
    `0${random.digits(13)}`,
    random.digits(11),
    fill(random, 'H##########'),
  );
  add('Royal Mail tracking number', fill(random, 'AB########GB'));
  add(
    'ISO date or time',
    '2026-12-01',
    '2026-12-01T12:00:00Z',
    '2026-12-01T12:00:00.000+01:00',
    '2026-12-01 12:00:00',
    '01.12.2026',
    '12/01/2026',
    '1. Dezember 2026, 14:30 Uhr',
    'Leistungszeitraum 23.11.2026 – 22.12.2026',
    'Zeitraum 30.11.2026 - 30.12.2026',
    'Period 11/24/2026 – 12/23/2026',
    '2026-11-01/2026-11-30',
    '01.12.2026 14:30 – 31.12.2026 18:00',
    '24.12.2026–26.12.2026',
  );
  for (let copy = 0; copy < 4; copy += 1) {
    const day = String(random.integer(22, 30)).padStart(2, '0');
    const month = String(random.integer(1, 12)).padStart(2, '0');
    add(
      'ISO date or time',
      `${day}.${month}.2026 – ${day}.${month}.2027`,
      `${day}/${month}/2026 - ${day}/${month}/2027`,
    );
  }
  add(
    'timestamp',
    '1764583200',
    '1764583200000',
    '20261201120000',
    '20261201120000123',
    '1764583200.123',
    'ts=1764583200',
  );
  for (let copy = 0; copy < 4; copy += 1) {
    add(
      'timestamp',
      String(random.integer(1_700_000_000_000, 1_900_000_000_000)),
      `2026${fill(random, '1#2#1#1#5#5#')}`,
    );
  }
  add(
    'amount',
    '1.234.567,89 €',
    '€ 1,234,567.89',
    '1 234 567,89 EUR',
    "CHF 1'234'567.90",
    'USD 12,345,678.90',
    '¥ 123,456,789',
    '₹ 12,34,56,789.00',
    '2 × 12,00 € = 24,00 €',
    '19 % MwSt. auf 1.000,00 € = 190,00 €',
  );
  for (let copy = 0; copy < 4; copy += 1) {
    // Up to the largest amount the schemas accept (100 000 000 000 minor units): at most 12 digits with cents.
    const amount = random.integer(1_000_000, 999_999_999);
    add(
      'amount',
      `${amount.toLocaleString('de-DE')},${random.digits(2)} EUR`,
      `$${amount.toLocaleString('en-US')}.${random.digits(2)}`,
    );
  }
  add(
    'invoice number',
    'INV-2026-000123',
    'RE-2026-0001',
    '2026/000123',
    'R2026-12-0042',
    'Rechnung Nr. 2026-000456 vom 01.12.2026',
  );
  add(
    'postal code',
    '10115',
    'SW1A 1AA',
    '75008',
    '1010',
    '00-950',
    '100-0001',
    '110001',
    '01310-100',
    'K1A 0B1',
    '90210-1234',
  );
  for (const prefix of eanPrefixes) add('EAN-13 barcode', ean13(random, prefix));
  add('EAN-13 barcode', 'EAN 4006381333931', '4006381333931 4006381333948');
  for (let copy = 0; copy < 4; copy += 1) {
    const body = `0${random.digits(10)}`;
    add('UPC-A barcode', body + gs1CheckDigit(body));
  }
  for (let copy = 0; copy < 4; copy += 1) {
    const body = `1${random.pick(['400', '401', '500', '300', '870'])}${random.digits(9)}`;
    add('GTIN-14 carton code', body + gs1CheckDigit(body));
  }
  for (let copy = 0; copy < 4; copy += 1) {
    const isbn = isbn13(`97${random.pick(['8', '9'])}${random.digits(9)}`);
    add(
      'ISBN',
      copy % 2 === 0
        ? isbn
        : `ISBN ${isbn.slice(0, 3)}-${isbn.slice(3, 4)}-${isbn.slice(4, 8)}-${isbn.slice(8, 12)}-${isbn.slice(12)}`,
    );
  }
  add('ISBN', '978-3-16-148410-0', 'ISBN 3-16-148410-X');
  add(
    'other',
    '**** **** **** 1111',
    'Visa ending in 1111',
    '192.168.100.200',
    'v1.24.3',
    'SKU-12345-XL',
    'HS 8471.30.00',
    'Zimmer 4, 5, 6, 7 und 8',
    'Seite 12 von 14',
    'Kunde 100234, Vertrag 2026-17',
  );
  return samples;
}

/** Realistic values, as text, as e-mail addresses and as pairs of neighbouring fields. */
export function nonCardCorpus(seed = corpusSeed + 1): NonCardSample[] {
  const random = randomFrom(seed);
  const texts: NonCardSample[] = nonCardTexts(random).map(({ category, text }) => ({
    category,
    rendering: { kind: 'text', text },
  }));
  const emails: NonCardSample[] = [
    '13812345678@163.com',
    '123456789@qq.com',
    'billing+2026@firma.de',
    'erika.mustermann@example.com',
    'inv-2026-000123@example.com',
    'rechnung.2026.12@firma.de',
    `${random.digits(11)}@163.com`,
  ].map((text) => ({ category: 'e-mail address', rendering: { kind: 'email', text } }));
  const fieldPairs: NonCardSample[] = [
    ['Heidestraße 17', 'Hinterhaus, 3. OG'],
    ['Industriestr. 12-14', 'Halle 5, Tor 3'],
    ['Postfach 10 12 34', '51147'],
    ['Apt 4B', '1600 Pennsylvania Avenue NW'],
    ['Artikel 4006381333931 Kugelschreiber', '4006381333948 Bleistift'],
    ['Consulting 2026-11', '12 hours at 120,00 €'],
    ['Travel 23.11.2026', '24.11.2026 Hotel'],
    ['Order 302-1234567-1234567', '303-7654321-7654321'],
    ['+49 30 1234567', '+49 30 7654321'],
    ['Unit 12', '34 Harbour Road'],
  ].map((fields) => ({ category: 'neighbouring fields', rendering: { kind: 'fields', fields } }));
  return [...texts, ...emails, ...fieldPairs];
}
