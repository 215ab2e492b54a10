// zh-CN first, English on request. Texts are looked up by key; elements carry data-i18n (text)
// or data-i18n-label (aria-label / placeholder), so switching language rewrites them in place.
// Numbers and money are formatted for the chosen locale (zh-CN: 1,234 and ¥12.80).

const LANG_KEY = "loyalty.lang";
let dictionaries = {};
let lang = localStorage.getItem(LANG_KEY) || "zh-CN";

export const currentLang = () => lang;

export function register(texts) {
  dictionaries = texts;
}

export function t(key, vars = {}) {
  const text = (dictionaries[lang] && dictionaries[lang][key]) ?? dictionaries["zh-CN"][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? vars[name] : `{${name}}`));
}

export function apply(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    const text = t(el.dataset.i18nLabel);
    if ("placeholder" in el && el.tagName !== "BUTTON") el.placeholder = text;
    el.setAttribute("aria-label", text);
  }
}

export function toggle() {
  lang = lang === "zh-CN" ? "en" : "zh-CN";
  localStorage.setItem(LANG_KEY, lang);
  apply();
}

const locale = () => (lang === "zh-CN" ? "zh-CN" : "en-US");
export const num = (n) => new Intl.NumberFormat(locale()).format(n);
export const signed = (n) => new Intl.NumberFormat(locale(), { signDisplay: "exceptZero" }).format(n);
export const yuan = (fen) =>
  new Intl.NumberFormat(locale(), { style: "currency", currency: "CNY" }).format(fen / 100);
export const percent = (ratio, digits = 2) =>
  new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: digits }).format(ratio);
export const when = (iso) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: "short", timeStyle: "short" }).format(new Date(iso));
