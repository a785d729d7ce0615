// domain: business-rule violations. The platform maps them to problems (conflict → 409, rejected → 422).

/** The entity's current state does not allow the change (e.g. editing an issued invoice). */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
}

/** The change is well-formed but breaks a business rule (e.g. overpayment, over-crediting). */
export class BusinessRuleError extends Error {
  override readonly name = 'BusinessRuleError';
}
