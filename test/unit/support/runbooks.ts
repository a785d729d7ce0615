// test support: where the runbooks live and the sections every runbook has, in this order (docs/runbooks/README.md)
// — shared by the fast check of the application rules and the infra check of the platform rules.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const runbooksDirectory = path.resolve(import.meta.dirname, '../../../docs/runbooks');

export const readRunbook = (file: string) => readFileSync(path.join(runbooksDirectory, file), 'utf8');

export const runbookSections = [
  '## What it means',
  '## Check first',
  '## Contain',
  '## Whom to tell and by when',
  '## Resolve and follow up',
] as const;
