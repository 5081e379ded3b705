// The signed-in person: who they are and what the page may offer them.
import { api, signOut, token } from "./api.js";
import { $, say } from "./dom.js";

export function can(me, permission) {
  return Boolean(me && me.permissions.includes(permission));
}

// Hides everything marked `data-needs="permission"` that the token lacks. The server refuses
// those actions anyway; this only keeps the page honest about what will work.
export function applyPermissions(me, root = document) {
  for (const el of root.querySelectorAll("[data-needs]")) {
    el.hidden = !can(me, el.dataset.needs);
  }
}

export async function requireSession() {
  if (!token()) {
    signOut();
    return new Promise(() => {});
  }
  const me = await api("/v1/me");
  applyPermissions(me);
  const nav = $("#nav");
  if (nav) nav.hidden = false;
  say($("#who"), `Signed in as ${me.name} (${me.role})`);
  const button = $("#sign-out");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", () => signOut());
  }
  return me;
}

export function pageError(error) {
  say($("#page-error"), error && error.message ? error.message : String(error));
}

// Re-runs `task` every `seconds` while the tab is visible, never two at once.
export function poll(task, seconds) {
  let running = false;
  const tick = async () => {
    if (running || document.hidden) return;
    running = true;
    try {
      await task();
    } finally {
      running = false;
    }
  };
  document.addEventListener("visibilitychange", tick);
  return setInterval(tick, seconds * 1000);
}

// Marks the page as wired up (handlers attached, first data shown): tests and impatient
// keyboard users act on a page that is ready.
export function ready() {
  document.body.dataset.ready = "true";
}
