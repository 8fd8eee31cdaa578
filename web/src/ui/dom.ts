// Building DOM without a framework: `h("button", {class: "x", on: {click}}, "Run")`.

type Handlers = Partial<{
  [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void;
}>;

export interface Props {
  class?: string;
  on?: Handlers;
  /** Attributes; `false`, `null` and `undefined` leave one out, `true` sets it empty. */
  [attribute: string]: string | number | boolean | null | undefined | Handlers;
}

export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "on") {
      for (const [event, handler] of Object.entries(value as Handlers)) {
        el.addEventListener(event, handler as EventListener);
      }
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
  ...children: (SVGElement | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  for (const c of children) el.append(c);
  return el;
}

let flashEndsListened = false;

/**
 * Sets a cell's text, flashing it up or down when a number moved. A cell already flashing
 * the same way is left to finish: a busy feed would otherwise keep every cell lit (and
 * restarting an animation costs a layout).
 */
export function setFlashing(el: HTMLElement, text: string, direction: number): void {
  if (el.textContent === text) return;
  el.textContent = text;
  if (direction === 0) return;
  if (!flashEndsListened) {
    flashEndsListened = true;
    document.addEventListener("animationend", (e) => {
      if (e.target instanceof HTMLElement) e.target.classList.remove("flash-up", "flash-down");
    });
  }
  const flash = direction > 0 ? "flash-up" : "flash-down";
  if (el.classList.contains(flash)) return;
  el.classList.remove("flash-up", "flash-down");
  el.classList.add(flash);
}
