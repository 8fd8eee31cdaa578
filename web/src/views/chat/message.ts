// One chat message as the list shows it: author, time, "edited", the thread it replies in,
// its text (an assistant's with `[n]` links to its sources), an attachment, reactions,
// and the actions (react, reply, and edit and delete on one's own). Text goes in as text
// nodes only: messages are whatever people typed.

import { downloadAttachment } from "../../api/chat";
import { ApiError } from "../../api/rest";
import type { SourceOut } from "../../api/types";
import {
  answerParts,
  attachmentHref,
  attachmentOf,
  type ChatMessage,
  type Draft,
  isAssistant,
  snippet,
  sourcesOf,
} from "../../chat/model";
import { href } from "../../router";
import { h } from "../../ui/dom";
import { bytes } from "../../ui/format";
import { expandPassage, passageItem, sourcePlace, sourceTitle } from "../documents/passage";

/** The reactions offered by the picker; 👍 also has its own button. */
export const PICKER_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "👀"];

/** Clicking Delete once asks; a second click within this long deletes. */
const CONFIRM_MS = 4000;

export interface MessageActions {
  react(id: string, emoji: string): void;
  reply(message: ChatMessage): void;
  startEdit(id: string): void;
  saveEdit(id: string, content: string): void;
  cancelEdit(): void;
  remove(id: string): void;
  /** Brings a message into view and marks it. */
  jumpTo(id: string): void;
  /** An error to show (a download that failed). */
  error(text: string): void;
}

/** What a message shows beside itself. */
export interface MessageInfo {
  me: string | null;
  /** `?as=` for attachment links; null when the app sends credentials. */
  asName: string | null;
  /** The app has credentials: downloads send them as headers. */
  keyed: boolean;
  /** The message replied to: undefined when not loaded, null when not a reply. */
  parent: ChatMessage | null | undefined;
  /** Ids of the replies to this message, oldest first. */
  replies: string[];
  /** Others whose read marker is this message. */
  readers: string[];
  editing: boolean;
}

/** What the item depends on: when it is unchanged, the element is kept. */
export function messageSignature(m: ChatMessage, info: MessageInfo): string {
  return JSON.stringify([
    m.content,
    m.editId,
    [...m.reactions.entries()],
    info.me,
    info.asName,
    info.keyed,
    info.parent === undefined ? "?" : info.parent === null ? "-" : [info.parent.user, info.parent.content, info.parent.deleted],
    info.replies,
    info.readers,
    info.editing,
  ]);
}

export function messageItem(m: ChatMessage, info: MessageInfo, actions: MessageActions): HTMLLIElement {
  const mine = info.me !== null && m.user === info.me;
  const assistant = isAssistant(m);
  const sources = assistant ? sourcesOf(m) : [];
  const sourceList = sources.length > 0 ? h("ol", { class: "passages sources chat-source-list", "aria-label": "Sources" }, ...sources.map((s) => passageItem(asSource(s), "source"))) : null;
  const sourcesBox = sourceList
    ? h("details", { class: "chat-sources" }, h("summary", {}, `${sources.length} source${sources.length === 1 ? "" : "s"}`), sourceList)
    : null;
  const text = info.editing ? editForm(m, actions) : h("div", { class: "chat-text" }, ...textNodes(m, sources, sourcesBox, actions));
  const mode = assistant && typeof m.context.mode === "string" ? m.context.mode : null;
  const item = h(
    "li",
    {
      class: `chat-msg${mine ? " mine" : ""}${assistant ? " assistant" : ""}`,
      "data-id": m.id,
      "data-user": m.user,
      "data-role": m.role,
      "data-mine": mine ? "true" : null,
      tabindex: -1,
    },
    h(
      "div",
      { class: "chat-msg-head" },
      h("span", { class: "chat-author" }, m.user),
      mine ? h("span", { class: "subtle chat-you" }, "(you)") : null,
      timeElement(m.time, m.eventTime),
      m.editId ? h("span", { class: "chat-edited", title: m.editedTime ? `edited ${m.editedTime}` : "edited" }, "(edited)") : null,
      mode ? h("span", { class: "mode-badge", "data-mode": mode }, mode) : null,
    ),
    threadLine(m, info, actions),
    text,
    attachmentBlock(m, info, actions),
    sourcesBox,
    reactionsRow(m, info, actions),
    info.replies.length > 0
      ? h(
          "button",
          {
            type: "button",
            class: "link chat-replies",
            title: "Show the latest reply",
            on: { click: () => actions.jumpTo(info.replies[info.replies.length - 1]!) },
          },
          `💬 ${info.replies.length} repl${info.replies.length === 1 ? "y" : "ies"}`,
        )
      : null,
    info.readers.length > 0 ? h("div", { class: "chat-seen" }, `✓ seen by ${info.readers.join(", ")}`) : null,
  );
  return item;
}

/** An assistant's answer still arriving. */
export function draftItem(d: Draft): HTMLLIElement {
  return h(
    "li",
    { class: "chat-msg assistant draft", "data-answer-id": d.answerId, "data-reply-to": d.replyTo, "data-role": "assistant", "aria-busy": "true" },
    h("div", { class: "chat-msg-head" }, h("span", { class: "chat-author" }, "assistant"), h("span", { class: "hint" }, "answering…")),
    h("div", { class: "chat-text answer-streaming" }, d.text),
  );
}

/** A message of mine the gateway has not confirmed yet (or refused). */
export function pendingItem(ref: string, me: string | null, content: string): HTMLLIElement {
  return h(
    "li",
    { class: "chat-msg mine pending", "data-ref": ref },
    h("div", { class: "chat-msg-head" }, h("span", { class: "chat-author" }, me ?? "you"), h("span", { class: "hint" }, "sending…")),
    h("div", { class: "chat-text" }, content),
  );
}

function asSource(s: ReturnType<typeof sourcesOf>[number]): SourceOut {
  return { ...s, highlights: [] };
}

function timeElement(time: string, eventTime: number): HTMLTimeElement {
  const ms = Number.isFinite(eventTime) && eventTime > 0 ? eventTime / 1e6 : Date.parse(time);
  const d = new Date(ms);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const hm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const shown = sameDay ? hm : `${d.toLocaleDateString([], { month: "short", day: "numeric" })} ${hm}`;
  return h("time", { class: "chat-time", datetime: time || d.toISOString(), title: d.toLocaleString() }, shown);
}

function threadLine(m: ChatMessage, info: MessageInfo, actions: MessageActions): HTMLElement | null {
  if (!m.threadParent) return null;
  const parent = info.parent;
  if (parent === undefined) return h("div", { class: "chat-thread subtle" }, "↪ in reply to an earlier message");
  if (parent === null || parent.deleted) return h("div", { class: "chat-thread subtle" }, "↪ in reply to a deleted message");
  const parentId = parent.id;
  return h(
    "div",
    { class: "chat-thread" },
    h(
      "a",
      {
        href: href("chat", m.room),
        "data-parent": parentId,
        title: "Show the message this replies to",
        on: {
          click: (e) => {
            e.preventDefault();
            actions.jumpTo(parentId);
          },
        },
      },
      `↪ ${parent.user}: “${snippet(parent.content)}”`,
    ),
  );
}

function textNodes(m: ChatMessage, sources: ReturnType<typeof sourcesOf>, sourcesBox: HTMLDetailsElement | null, actions: MessageActions): Node[] {
  if (!isAssistant(m) || sources.length === 0) return [document.createTextNode(m.content)];
  const byN = new Map(sources.map((s) => [s.n, s]));
  return answerParts(m).map((p) => {
    if (p.kind === "text") return document.createTextNode(p.text);
    const s = byN.get(p.n);
    const where = s ? [sourceTitle(s), sourcePlace(s)].filter(Boolean).join(", ") : "";
    return h(
      "a",
      {
        class: "cite",
        href: href("chat", m.room),
        "data-cite": p.n,
        title: `Source ${p.n}: ${where}`,
        "aria-label": `Source ${p.n}: ${where}`,
        on: {
          click: (e) => {
            e.preventDefault();
            if (sourcesBox) revealSource(sourcesBox, p.n);
            else actions.error(`source ${p.n} is not in this answer`);
          },
        },
      },
      p.label,
    );
  });
}

/** Opens the answer's sources and brings source `n` into view, whole and marked. */
export function revealSource(box: HTMLDetailsElement, n: number): void {
  box.open = true;
  const item = box.querySelector<HTMLElement>(`li[data-n="${n}"]`);
  if (!item) return;
  for (const other of box.querySelectorAll(".cited")) other.classList.remove("cited");
  expandPassage(item);
  item.classList.add("cited");
  const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  item.scrollIntoView({ block: "nearest", behavior: smooth ? "smooth" : "auto" });
  item.focus({ preventScroll: true });
}

function attachmentBlock(m: ChatMessage, info: MessageInfo, actions: MessageActions): HTMLElement | null {
  const a = attachmentOf(m);
  if (!a) return null;
  const label = `📎 ${a.filename}`;
  const meta = h("span", { class: "subtle" }, ` ${bytes(a.size_bytes)} · ${a.media_type}`);
  let link: HTMLElement;
  if (!info.keyed) {
    link = h("a", { class: "chat-file", href: attachmentHref(a.url, info.asName), download: a.filename }, label);
  } else {
    // With a key the download needs its headers: fetched, then saved.
    link = h(
      "button",
      {
        type: "button",
        class: "link chat-file",
        on: {
          click: () => {
            downloadAttachment(a.url, a.filename).catch((e: unknown) =>
              actions.error(e instanceof ApiError ? `${e.status ? `${e.status} · ` : ""}${e.message}` : String(e)),
            );
          },
        },
      },
      label,
    );
  }
  const preview =
    !info.keyed && /^image\/(png|jpeg|gif)$/.test(a.media_type)
      ? h("img", { class: "chat-thumb", src: attachmentHref(a.url, info.asName), alt: a.filename, loading: "lazy" })
      : null;
  return h(
    "div",
    { class: "chat-attachment", "data-sha256": a.sha256 },
    link,
    meta,
    a.document_id ? h("a", { class: "chat-doc-link", href: href("documents"), title: `Document ${a.document_id}` }, " · in Documents") : null,
    preview,
  );
}

function reactionsRow(m: ChatMessage, info: MessageInfo, actions: MessageActions): HTMLElement {
  const chips = [...m.reactions.entries()].map(([emoji, users]) => {
    const mineToo = info.me !== null && users.includes(info.me);
    return h(
      "button",
      {
        type: "button",
        class: "chat-reaction",
        "data-emoji": emoji,
        "data-count": users.length,
        "aria-pressed": String(mineToo),
        title: `${users.join(", ")} reacted ${emoji}${mineToo ? "" : " (click to add yours)"}`,
        "aria-label": `${emoji} ${users.length}: ${users.join(", ")}`,
        on: {
          click: () => {
            if (!mineToo) actions.react(m.id, emoji);
          },
        },
      },
      `${emoji} ${users.length}`,
    );
  });
  const picker = h(
    "div",
    { class: "chat-picker", role: "group", "aria-label": "Reactions", hidden: true },
    ...PICKER_EMOJI.map((emoji) =>
      h(
        "button",
        {
          type: "button",
          "data-pick": emoji,
          "aria-label": `React ${emoji}`,
          on: {
            click: () => {
              closePicker();
              actions.react(m.id, emoji);
            },
          },
        },
        emoji,
      ),
    ),
  );
  const toggle = h(
    "button",
    {
      type: "button",
      class: "chat-act chat-react-add",
      "aria-label": "Add a reaction",
      "aria-expanded": "false",
      title: "Add a reaction",
      on: {
        click: () => {
          if (picker.hidden) {
            picker.hidden = false;
            toggle.setAttribute("aria-expanded", "true");
            picker.querySelector("button")?.focus();
          } else {
            closePicker();
          }
        },
      },
    },
    "☺+",
  );
  const closePicker = (): void => {
    picker.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
  };
  picker.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      closePicker();
      toggle.focus();
    }
  });
  const mine = info.me !== null && m.user === info.me;
  const thumbsGiven = info.me !== null && (m.reactions.get("👍") ?? []).includes(info.me);
  let confirmTimer: ReturnType<typeof setTimeout> | null = null;
  const del = mine
    ? h(
        "button",
        {
          type: "button",
          class: "chat-act chat-delete",
          on: {
            click: () => {
              if (del!.dataset.confirm === "true") {
                if (confirmTimer !== null) clearTimeout(confirmTimer);
                actions.remove(m.id);
                return;
              }
              del!.dataset.confirm = "true";
              del!.textContent = "Delete?";
              del!.setAttribute("aria-label", "Click again to delete");
              confirmTimer = setTimeout(() => {
                delete del!.dataset.confirm;
                del!.textContent = "Delete";
                del!.removeAttribute("aria-label");
              }, CONFIRM_MS);
            },
          },
        },
        "Delete",
      )
    : null;
  return h(
    "div",
    { class: "chat-reactions" },
    ...chips,
    h(
      "span",
      { class: "chat-actions" },
      h(
        "button",
        {
          type: "button",
          class: "chat-act chat-quick-react",
          "data-react": "👍",
          "aria-label": "React 👍",
          title: thumbsGiven ? "You reacted 👍" : "React 👍",
          disabled: thumbsGiven,
          on: { click: () => actions.react(m.id, "👍") },
        },
        "👍",
      ),
      toggle,
      h("button", { type: "button", class: "chat-act chat-reply", on: { click: () => actions.reply(m) } }, "Reply"),
      mine ? h("button", { type: "button", class: "chat-act chat-edit", on: { click: () => actions.startEdit(m.id) } }, "Edit") : null,
      del,
    ),
    picker,
  );
}

function editForm(m: ChatMessage, actions: MessageActions): HTMLFormElement {
  const input = h("textarea", {
    name: "edit",
    class: "chat-input",
    rows: 2,
    maxlength: 4000,
    "aria-label": "Edit the message (Enter saves, Esc cancels)",
  });
  input.value = m.content;
  const save = (): void => {
    const content = input.value.trim();
    if (!content || content === m.content) actions.cancelEdit();
    else actions.saveEdit(m.id, content);
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      save();
    } else if (e.key === "Escape") {
      e.preventDefault();
      actions.cancelEdit();
    }
  });
  // Focus once the form is in the page.
  setTimeout(() => {
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }, 0);
  return h(
    "form",
    {
      class: "chat-edit-form",
      on: {
        submit: (e) => {
          e.preventDefault();
          save();
        },
      },
    },
    input,
    h(
      "div",
      { class: "toolbar" },
      h("button", { type: "submit", class: "primary" }, "Save"),
      h("button", { type: "button", on: { click: () => actions.cancelEdit() } }, "Cancel"),
      h("span", { class: "hint" }, "Enter saves · Esc cancels"),
    ),
  );
}
