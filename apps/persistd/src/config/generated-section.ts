import { join } from 'node:path';

/** A page of the repository's `docs/` folder, where the generated tables live. */
export function docsPath(page: string): string {
  return join(__dirname, '../../../../docs', page);
}

/**
 * A document's text with the part between two marker comments replaced: the one way a generated
 * section (the configuration table, the error-code table) is written, and checked by the specs
 * that compare the document with what the generator makes now.
 */
export function withGeneratedSection(text: string, begin: string, end: string, body: string): string {
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`the document has no markers ${begin} … ${end}`);
  return `${text.slice(0, a + begin.length)}\n${body}\n${text.slice(b)}`;
}
