/**
 * README text with the part between two marker comments replaced: the one way a generated
 * section (the configuration table, the error-code table) is written, and checked by the specs
 * that compare the README with what the generator makes now.
 */
export function withGeneratedSection(readme: string, begin: string, end: string, body: string): string {
  const a = readme.indexOf(begin);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no markers ${begin} … ${end}`);
  return `${readme.slice(0, a + begin.length)}\n${body}\n${readme.slice(b)}`;
}
