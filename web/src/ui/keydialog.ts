// The API key dialog: a key id and secret (`finstream keys create`) or a JWT, kept in this
// browser's localStorage. Empty means anonymous, which `finstream run` allows.

import { loadCredentials, saveCredentials, type Credentials } from "../api/credentials";
import { h } from "./dom";

export function openKeyDialog(): void {
  const current = loadCredentials();
  const keyId = h("input", { type: "text", name: "key-id", autocomplete: "username", spellcheck: "false", value: current?.kind === "key" ? current.keyId : "" });
  const secret = h("input", { type: "password", name: "secret", autocomplete: "current-password", value: current?.kind === "key" ? current.secret : "" });
  const token = h("input", { type: "password", name: "token", autocomplete: "off", value: current?.kind === "token" ? current.token : "" });
  const error = h("p", { class: "field-error", role: "alert" });
  const dialog = h("dialog", { class: "key-dialog", "aria-labelledby": "key-dialog-title" });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const form = h(
    "form",
    {
      method: "dialog",
      on: {
        submit: (e) => {
          e.preventDefault();
          const id = keyId.value.trim();
          const sec = secret.value.trim();
          const jwt = token.value.trim();
          let credentials: Credentials | null = null;
          if (id || sec) {
            if (!id || !sec) {
              error.textContent = "A key needs both its id and its secret.";
              return;
            }
            credentials = { kind: "key", keyId: id, secret: sec };
          } else if (jwt) {
            credentials = { kind: "token", token: jwt };
          }
          saveCredentials(credentials);
          close();
        },
      },
    },
    h("h2", { id: "key-dialog-title" }, "API key"),
    h("p", { class: "subtle" }, "Sent with every request and on the stream. Leave everything empty when the gateway does not require auth (as in finstream run). Kept in this browser only."),
    h("label", {}, "Key id", keyId),
    h("label", {}, "Secret", secret),
    h("p", { class: "subtle" }, "or"),
    h("label", {}, "JWT (Bearer token)", token),
    error,
    h(
      "div",
      { class: "toolbar" },
      h("button", { type: "submit", class: "primary" }, "Save"),
      h(
        "button",
        {
          type: "button",
          on: {
            click: () => {
              saveCredentials(null);
              close();
            },
          },
        },
        "Forget key",
      ),
      h("button", { type: "button", on: { click: close } }, "Cancel"),
    ),
  );
  dialog.append(form);
  dialog.addEventListener("cancel", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  keyId.focus();
}
