// domain: ISO 4217 active currency codes and their minor-unit exponents. Pure data, no AWS import.

// Exponents differ from CLDR/Intl for some codes (IQD, LBP, RSD…), so the table is ISO's own, not Intl's.
const exponentZero = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const exponentThree = 'BHD IQD JOD KWD LYD OMR TND';
const exponentFour = 'CLF UYW';
const exponentTwo =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS ' +
  'GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL ' +
  'MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK ' +
  'PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS ' +
  'TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

const table = new Map<string, number>();
for (const [codes, exponent] of [
  [exponentZero, 0],
  [exponentTwo, 2],
  [exponentThree, 3],
  [exponentFour, 4],
] as const) {
  for (const code of codes.split(' ')) table.set(code, exponent);
}

export function isCurrencyCode(code: string): boolean {
  return table.has(code);
}

/** Number of minor units digits (JPY 0, EUR 2, BHD 3). Throws for a code that is not ISO 4217. */
export function currencyExponent(code: string): number {
  const exponent = table.get(code);
  if (exponent === undefined) throw new RangeError(`not an ISO 4217 currency code: ${code}`);
  return exponent;
}
