/**
 * The text of a PDF, page by page, as a reader extracts it (Mozilla's pdf.js): what a customer's viewer
 * would show and search. Runs of whitespace are collapsed to one space, lines kept.
 */
export async function pdfText(
  data: Buffer | Uint8Array,
): Promise<{ pages: number; text: string; info: Record<string, unknown> }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const document = await pdfjs.getDocument({
    data: new Uint8Array(data),
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  }).promise;
  let text = '';
  for (let n = 1; n <= document.numPages; n++) {
    const page = await document.getPage(n);
    const content = await page.getTextContent();
    for (const item of content.items) {
      if (!('str' in item)) continue;
      text += item.str + (item.hasEOL ? '\n' : ' ');
    }
    text += '\n';
  }
  const { info } = await document.getMetadata();
  const pages = document.numPages;
  await document.destroy();
  return {
    pages,
    text: text
      .split('\n')
      .map((line) => line.replace(/\s+/g, ' ').trim())
      .filter((line) => line !== '')
      .join('\n'),
    info: info as Record<string, unknown>,
  };
}
