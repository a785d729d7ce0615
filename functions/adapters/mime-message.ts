// adapter: builds a MIME message (text + HTML alternatives, attachments) for SES's raw send.
import { randomBytes } from 'node:crypto';
import type { OutgoingEmail } from '../ports/mailer';

/** RFC 2047 encoded-word for headers that may hold non-ASCII (names, subjects). */
function encodeHeader(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  return `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

function base64Lines(content: Uint8Array | string): string {
  const encoded = Buffer.from(content).toString('base64');
  return encoded.replace(/.{1,76}/g, '$&\r\n');
}

/** Addresses are validated upstream; this refuses anything that could inject a header. */
function address(value: string): string {
  if (/[\r\n<>,;]/.test(value)) throw new Error('refusing an email address with header-breaking characters');
  return value;
}

export function buildMimeMessage(email: OutgoingEmail, date = new Date()): Uint8Array {
  const mixed = `mixed_${randomBytes(12).toString('hex')}`;
  const alternative = `alt_${randomBytes(12).toString('hex')}`;
  const lines = [
    `From: ${address(email.from)}`,
    `To: ${address(email.to)}`,
    ...(email.replyTo === undefined ? [] : [`Reply-To: ${address(email.replyTo)}`]),
    `Subject: ${encodeHeader(email.subject)}`,
    `Date: ${date.toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${mixed}"`,
    '',
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alternative}"`,
    '',
    `--${alternative}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(email.text),
    `--${alternative}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(email.html),
    `--${alternative}--`,
    '',
  ];
  for (const attachment of email.attachments) {
    const filename = attachment.filename.replace(/[^A-Za-z0-9._-]/g, '_');
    lines.push(
      `--${mixed}`,
      `Content-Type: ${attachment.contentType}; name="${filename}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${filename}"`,
      '',
      base64Lines(attachment.content),
    );
  }
  lines.push(`--${mixed}--`, '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
