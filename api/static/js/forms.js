// Forms: read them into API bodies and put the API's errors next to the fields they name.

function slots(form) {
  return [...form.querySelectorAll("[data-error-for]")];
}

function control(form, field) {
  return [...form.elements].find((el) => el.name === field) || null;
}

export function clearErrors(form) {
  for (const slot of slots(form)) slot.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

// Errors from the workflow name no field ("an override needs a reason: ..."): place them by
// the first field the message mentions, else with the form.
function guessField(form, message) {
  const words = new Set(String(message).toLowerCase().match(/[a-z_]+/g) || []);
  const names = [...form.elements].map((el) => el.name).filter(Boolean);
  return names.find((name) => words.has(name.split(".").pop().toLowerCase())) || null;
}

function place(form, field, message) {
  const slot = slots(form).find((el) => el.dataset.errorFor === field);
  if (!slot) return null;
  slot.textContent = message;
  const input = control(form, field);
  if (input) input.setAttribute("aria-invalid", "true");
  return input;
}

export function showError(form, error) {
  clearErrors(form);
  const details = error.details || [];
  let first = null;
  for (const detail of details) {
    const input = place(form, detail.field, detail.message);
    first = first || input;
  }
  if (!details.length && error.status === 422) {
    const field = guessField(form, error.message);
    if (field) first = place(form, field, error.message);
  }
  const general = slots(form).find((el) => el.dataset.errorFor === "_form");
  if (general) general.textContent = error.message;
  if (first) first.focus();
}

function setPath(target, path, value) {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] = node[key] || {};
  node[keys[keys.length - 1]] = value;
}

// Named fields into a JSON body: nested names (`handoff.impact`) become objects; empty
// selects mean "leave unchanged" and are left out; `data-type="int"` selects send numbers.
export function readForm(form) {
  const body = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === "checkbox") {
      if (el.checked) setPath(body, el.name, true);
      continue;
    }
    if (el.tagName === "SELECT" && el.value === "") continue;
    const value = el.dataset.type === "int" && el.value !== "" ? Number(el.value) : el.value;
    setPath(body, el.name, value);
  }
  return body;
}

// Runs `action` with the form busy; API errors land next to their fields. Returns true when
// the action succeeded.
export async function submitting(form, action) {
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((b) => (b.disabled = true));
  form.setAttribute("aria-busy", "true");
  try {
    clearErrors(form);
    await action();
    return true;
  } catch (error) {
    if (!error || error.status === undefined) throw error;
    showError(form, error);
    return false;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    form.removeAttribute("aria-busy");
  }
}
