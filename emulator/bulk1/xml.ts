// The little XML Bulk API 1.0 speaks: flat request documents (jobInfo, sObjects of fields) in, Salesforce's
// response documents out. Hand-written because the shapes are fixed and tiny; no DTDs, no namespaces beyond
// the attributes Salesforce writes.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e] ?? whole;
  });
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`);
}

/** Parses a document into its root element (local names: `xsi:nil` stays an attribute name). */
export function parseXml(source: string): XmlElement {
  const text = source.replace(/^\uFEFF/, '').replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  const token = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let m: RegExpExecArray | null;
  while ((m = token.exec(text)) !== null) {
    if (m[6]) throw new XmlSyntaxError(`unexpected '<' at ${m.index}`);
    if (m[5] !== undefined) {
      if (stack.length) stack[stack.length - 1].text += decode(m[5]);
      else if (m[5].trim() !== '') throw new XmlSyntaxError('text outside the root element');
      continue;
    }
    const [, closing, rawName, rawAttrs, selfClosing] = m;
    const name = rawName.includes(':') ? rawName.slice(rawName.indexOf(':') + 1) : rawName;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlSyntaxError(`unexpected </${rawName}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]] = decode(a[2] ?? a[3]);
    const el: XmlElement = { name, attrs, children: [], text: '' };
    if (stack.length) stack[stack.length - 1].children.push(el);
    else if (root) throw new XmlSyntaxError('more than one root element');
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (!root || stack.length) throw new XmlSyntaxError('unterminated document');
  return root;
}

/** The text of each child element by name (the flat documents: jobInfo). */
export function childTexts(el: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of el.children) out[c.name] = c.text.trim();
  return out;
}

export const ASYNC_NS = 'http://www.force.com/2009/06/asyncapi/dataload';

/** `<name xmlns="…asyncapi/dataload">` with one child element per entry (null values left out). */
export function xmlDocument(name: string, fields: [string, string | number | boolean | null | undefined][]): string {
  const body = fields.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><${name} xmlns="${ASYNC_NS}">${body}</${name}>`;
}
