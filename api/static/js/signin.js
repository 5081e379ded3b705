// Sign-in: the token is checked against /v1/me before it is kept for this tab.
import { ApiError, api, saveToken } from "./api.js";
import { $ } from "./dom.js";
import { showError, submitting } from "./forms.js";

const REASONS = { expired: "Your token was refused (expired or rotated); sign in again." };

function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "";
  // Only pages of this console: never an open redirect to another site.
  return /^\/console\/[A-Za-z0-9/_\-?=&%.,]*$/.test(next) ? next : "/console/queue";
}

function start() {
  const form = $("#signin-form");
  const reason = new URLSearchParams(location.search).get("reason");
  if (REASONS[reason]) showError(form, new ApiError(401, { error: { message: REASONS[reason] } }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = form.elements.token.value.trim();
    const ok = await submitting(form, async () => {
      if (!value) {
        throw new ApiError(422, {
          error: { message: "Paste a token first.", details: [{ field: "token", message: "Paste your API token." }] },
        });
      }
      try {
        await api("/v1/me", { bearer: value });
      } catch (error) {
        error.details = [{ field: "token", message: error.message }];
        throw error;
      }
    });
    if (ok) {
      saveToken(value);
      location.assign(nextPage());
    }
  });
  form.elements.token.focus();
  document.body.dataset.ready = "true";
}

start();
