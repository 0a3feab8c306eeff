/**
 * The page builds every element with these helpers: text goes in through `textContent` (or an
 * attribute set with `setAttribute`), so no string from the store is ever parsed as HTML.
 */
type Child = Node | string | number | undefined | null | false;

/** An HTML element with attributes and children; strings become text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  append(e, children);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children; strings become text nodes. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  append(e, children);
  return e;
}

function append(e: Element, children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    e.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(target: Element, ...children: Child[]): void {
  target.replaceChildren();
  append(target, children);
}

/** The element with this id (the page's own markup has it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

export const pct = (x: number | undefined, digits = 2): string => (x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);
export const int = (x: number | undefined): string => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
export const secs = (x: number | undefined): string => (x === undefined ? '—' : x >= 120 ? `${(x / 60).toFixed(1)} min` : `${x.toFixed(1)} s`);
