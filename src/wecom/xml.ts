/**
 * Safe, minimal XML handling for WeCom's flat `<xml>…</xml>` documents.
 *
 * fast-xml-parser runs with entity processing OFF and any DTD is rejected up front, so entity
 * expansion ("billion laughs", external entities) cannot happen. Only the five predefined XML
 * entities and numeric character references are decoded, in one non-recursive pass, and only in
 * plain text (CDATA is taken verbatim). A reference to U+0000 or to a surrogate code point (XML
 * allows neither; PostgreSQL can store neither) decodes to U+FFFD. Every value stays a string:
 * MsgId exceeds 2^53.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { WecomCallbackError } from "./errors";

/** A parsed element: text, a record of child elements, or several same-named siblings. */
export type XmlNode = string | XmlElement | XmlNode[];
/** Child elements by tag name. */
export interface XmlElement {
  [tag: string]: XmlNode;
}

const CDATA_KEY = "#cdata";
const TEXT_KEY = "#text";
const DTD = /<!(?:DOCTYPE|ENTITY)/i;

const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  cdataPropName: CDATA_KEY,
  textNodeName: TEXT_KEY,
  maxNestedTags: 16,
});

/**
 * Parses `<root>…</root>` and returns the root's children.
 *
 * @throws WecomCallbackError("malformed_xml") for a DTD, a well-formedness error or a wrong root.
 */
export function parseXmlRoot(xml: string, rootName = "xml"): XmlElement {
  if (DTD.test(xml)) {
    throw new WecomCallbackError("malformed_xml", "XML with a DTD or entity declaration is not accepted");
  }
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw new WecomCallbackError("malformed_xml", `XML is not well-formed: ${validation.err.msg}`);
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch (error) {
    throw new WecomCallbackError("malformed_xml", "XML could not be parsed", { cause: String(error) });
  }
  if (!isRecord(parsed)) {
    throw new WecomCallbackError("malformed_xml", "XML has no root element");
  }
  const keys = Object.keys(parsed);
  const root = parsed[rootName];
  if (keys.length !== 1 || root === undefined) {
    throw new WecomCallbackError("malformed_xml", `XML root must be a single <${rootName}> element`);
  }
  const normalised = normalise(root);
  if (typeof normalised === "string") {
    // <xml></xml> or <xml>text</xml>: no elements.
    return {};
  }
  if (Array.isArray(normalised)) {
    throw new WecomCallbackError("malformed_xml", `XML root must be a single <${rootName}> element`);
  }
  return normalised;
}

/** Wraps a value in CDATA, splitting any "]]>" so the section cannot be terminated early. */
export function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

/**
 * Renders a flat `<xml>` document. String values become CDATA, numbers plain text, nested
 * records nested elements, and arrays repeated elements.
 */
export function renderXml(fields: XmlInput, rootName = "xml"): string {
  return `<${rootName}>${renderChildren(fields)}</${rootName}>`;
}

/** Input for {@link renderXml}. `undefined` fields are omitted. */
export type XmlInputValue = string | number | XmlInput | XmlInputValue[] | undefined;
export interface XmlInput {
  [tag: string]: XmlInputValue;
}

function renderChildren(fields: XmlInput): string {
  let out = "";
  for (const [tag, value] of Object.entries(fields)) {
    out += renderElement(tag, value);
  }
  return out;
}

function renderElement(tag: string, value: XmlInputValue): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((item) => renderElement(tag, item)).join("");
  if (typeof value === "string") return `<${tag}>${cdata(value)}</${tag}>`;
  if (typeof value === "number") return `<${tag}>${value}</${tag}>`;
  return `<${tag}>${renderChildren(value)}</${tag}>`;
}

function normalise(node: unknown): XmlNode {
  if (typeof node === "string") return decodePredefinedEntities(node);
  if (Array.isArray(node)) return node.map(normalise);
  if (!isRecord(node)) return "";
  const keys = Object.keys(node);
  if (keys.every((key) => key === CDATA_KEY || key === TEXT_KEY)) {
    // Text and CDATA only: one string. Several CDATA sections (split "]]>") are concatenated.
    const cdataValue = node[CDATA_KEY];
    const cdataParts = Array.isArray(cdataValue) ? cdataValue : cdataValue === undefined ? [] : [cdataValue];
    const text = node[TEXT_KEY];
    return (
      cdataParts.map((part) => String(part)).join("") +
      (text === undefined ? "" : decodePredefinedEntities(String(text)))
    );
  }
  const element: XmlElement = {};
  for (const key of keys) {
    if (key === CDATA_KEY || key === TEXT_KEY) continue; // mixed content is not used by WeCom
    element[key] = normalise(node[key]);
  }
  return element;
}

const ENTITY = /&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));/g;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodePredefinedEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(ENTITY, (match, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return PREDEFINED[name] ?? match;
    const codePoint = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? "", 16);
    if (codePoint > 0x10ffff) return match;
    // Not characters: U+0000 and the surrogate range (a pair of references is not a pair either).
    if (codePoint === 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return "\ufffd";
    return String.fromCodePoint(codePoint);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
