// @ts-check
/**
 * Klauzula's cookie banner for the operator's website. Embed it in <head>, before any tag:
 *
 *   <script src="https://klauzula.example.com/banner/v1/banner.js" data-site="www"></script>
 *
 * Nothing that needs consent runs or is stored before the visitor chooses: tags are written as
 * `<script type="text/plain" data-category="analytics">` and run only once their category is granted.
 * Google Consent Mode v2 defaults (denied) are pushed to `dataLayer` at once, an update on every choice.
 * Withdrawing a category deletes what it stored (cookies, Local and Session Storage, IndexedDB) as declared
 * in the policy's cookie register, and reloads the page if its tags already ran. Each choice is recorded in
 * Klauzula as proof. The server fills in `BOOT` (the policy-wide settings) when it serves this file.
 *
 * Plain ES2020, no dependencies; `window.klauzulaConsent` offers open() and get().
 */
(() => {
  /**
   * @typedef {{ name: string, storage: string }} StorageEntry
   * @typedef {{ version: string, cookie: { name: string, days: number }, consentMode: Record<string, string> | null,
   *   signals: Record<string, string[]>, categories: string[], necessary: string[],
   *   storage: Record<string, StorageEntry[]> }} Boot
   * @typedef {{ pl: string, en: string }} Text
   * @typedef {{ id: string, name: Text, description: Text, strictlyNecessary: boolean,
   *   vendors: { name: string, privacyUrl: string, optOutUrl: string | null }[],
   *   storage: { name: string, storage: string, lifetimeDays: number | null, purpose: Text }[] }} Category
   * @typedef {{ policyVersionId: string, cookiePolicyVersion: string, privacyPolicyUrl: string | null,
   *   languages: string[], defaultLanguage: 'pl' | 'en', title: Text, intro: Text, optOutUrls: string[],
   *   categories: Category[] }} Config
   * @typedef {{ id: string, v: string, a: string[], g: string[], x: string, c: string, t: number, r: number }} Stored
   *   consent id, wording version, categories answered and granted, action, channel, time, recorded (1/0)
   */
  const BOOT = /** @type {Boot | null} */ (/*BOOT*/ null);
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  const win = /** @type {Window & { dataLayer?: unknown[], klauzulaConsent?: unknown }} */ (window);
  if (!BOOT || !script || win.klauzulaConsent) return;
  const boot = BOOT;
  const base = new URL(script.src).origin;
  const site = script.dataset.site || 'www';
  const reloadOnWithdraw = script.dataset.reloadOnWithdraw !== 'false';

  const UI = {
    pl: {
      accept: 'Akceptuję wszystkie',
      reject: 'Odrzucam wszystkie',
      settings: 'Ustawienia',
      save: 'Zapisz wybór',
      always: 'Zawsze aktywne',
      vendors: 'Dostawcy',
      stored: 'Zapisywane dane',
      session: 'do końca sesji',
      days: 'dni',
      privacy: 'Polityka prywatności',
      optOut: 'rezygnacja',
      industry: 'Rezygnacja z reklam dopasowanych',
      reopen: 'Ustawienia cookies',
    },
    en: {
      accept: 'Accept all',
      reject: 'Reject all',
      settings: 'Settings',
      save: 'Save my choices',
      always: 'Always active',
      vendors: 'Vendors',
      stored: 'Stored data',
      session: 'until the session ends',
      days: 'days',
      privacy: 'Privacy Policy',
      optOut: 'opt out',
      industry: 'Opting out of interest-based advertising',
      reopen: 'Cookie settings',
    },
  };

  // Consent Mode v2: the defaults go to dataLayer before any tag can read them.
  win.dataLayer = win.dataLayer || [];
  const dataLayer = win.dataLayer;
  /** @param {...unknown} _args */
  function gtag(..._args) {
    // Google's tags read the Arguments object, not an array.
    // biome-ignore lint/complexity/noArguments: gtag's protocol
    dataLayer.push(arguments);
  }
  if (boot.consentMode) gtag('consent', 'default', { ...boot.consentMode, wait_for_update: 500 });

  /** @returns {Stored | null} */
  function readStored() {
    const prefix = `${boot.cookie.name}=`;
    const raw = document.cookie.split('; ').find((part) => part.startsWith(prefix));
    if (!raw) return null;
    try {
      const value = JSON.parse(decodeURIComponent(raw.slice(prefix.length)));
      return value && typeof value.id === 'string' && Array.isArray(value.g) ? value : null;
    } catch {
      return null;
    }
  }

  /** @param {Stored} stored */
  function writeStored(stored) {
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is asynchronous and not in every browser
    document.cookie = `${boot.cookie.name}=${encodeURIComponent(JSON.stringify(stored))}; path=/; max-age=${
      boot.cookie.days * 86400
    }; SameSite=Lax${secure}`;
  }

  /**
   * A stored choice answers the banner if it was made on this wording and answered every category.
   * @param {Stored | null} value
   */
  function isCurrent(value) {
    return !!value && value.v === boot.version && boot.categories.every((c) => (value.a || []).includes(c));
  }

  let stored = readStored();
  /** @type {Set<string>} */
  let granted = new Set(
    isCurrent(stored) && stored ? stored.g.filter((c) => boot.categories.includes(c)) : [],
  );
  const decided = isCurrent(stored);
  /** @type {Set<string>} */
  const released = new Set();

  /** @param {string} name @param {string} pattern */
  function matches(name, pattern) {
    return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  }

  /** Deletes what a category stored, as its register declares (CM-CKE-02). @param {string} category */
  function clearCategory(category) {
    for (const entry of boot.storage[category] || []) {
      if (entry.storage === 'cookie') {
        const names = document.cookie
          .split('; ')
          .map((part) => part.split('=')[0] || '')
          .filter((name) => name && matches(name, entry.name));
        const labels = location.hostname.split('.');
        const domains = [''];
        for (let i = 0; i < labels.length - 1; i++) domains.push(`; domain=.${labels.slice(i).join('.')}`);
        for (const name of names) {
          for (const domain of domains) {
            for (const path of ['; path=/', '']) {
              // biome-ignore lint/suspicious/noDocumentCookie: as in writeStored
              document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT${path}${domain}`;
            }
          }
        }
      } else if (entry.storage === 'local_storage' || entry.storage === 'session_storage') {
        try {
          const store = entry.storage === 'local_storage' ? localStorage : sessionStorage;
          for (const key of Object.keys(store)) if (matches(key, entry.name)) store.removeItem(key);
        } catch {
          // Storage disabled by the browser: nothing to delete.
        }
      } else if (entry.storage === 'indexeddb' && win.indexedDB) {
        if (!entry.name.endsWith('*')) indexedDB.deleteDatabase(entry.name);
        else if (indexedDB.databases) {
          indexedDB.databases().then((list) => {
            for (const db of list)
              if (db.name && matches(db.name, entry.name)) indexedDB.deleteDatabase(db.name);
          });
        }
      }
    }
  }

  function pushConsentUpdate() {
    if (!boot.consentMode) return;
    /** @type {Record<string, string>} */
    const update = {};
    for (const signal of Object.keys(boot.consentMode)) update[signal] = boot.consentMode[signal] || 'denied';
    for (const category of granted)
      for (const signal of boot.signals[category] || []) update[signal] = 'granted';
    gtag('consent', 'update', update);
  }

  /**
   * Runs the blocked scripts whose categories are all granted or strictly necessary, as real script
   * elements, in page order. A category the policy does not declare (a typo) never runs.
   */
  function releaseScripts() {
    const blocked = document.querySelectorAll('script[type="text/plain"][data-category]');
    for (const original of Array.from(blocked)) {
      const el = /** @type {HTMLScriptElement} */ (original);
      const categories = (el.dataset.category || '').split(/\s+/).filter(Boolean);
      const allowed = categories.every((c) => granted.has(c) || boot.necessary.includes(c));
      if (!allowed || categories.length === 0) continue;
      const real = document.createElement('script');
      for (const attr of Array.from(el.attributes)) {
        if (attr.name !== 'type' && attr.name !== 'data-category') real.setAttribute(attr.name, attr.value);
      }
      if (el.src) real.async = false;
      else real.text = el.text;
      for (const c of categories) if (boot.categories.includes(c)) released.add(c);
      el.replaceWith(real);
    }
  }

  /** @param {boolean} update whether Consent Mode still needs to hear about the choice */
  function applyOnPage(update) {
    for (const category of boot.categories) if (!granted.has(category)) clearCategory(category);
    if (update) pushConsentUpdate();
    releaseScripts();
  }

  // A returning visitor's choice reaches Consent Mode at once, the page's tags once they are parsed; before
  // any choice only strictly necessary tags run.
  if (decided) pushConsentUpdate();
  const onParsed = () => (decided ? applyOnPage(false) : releaseScripts());
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', onParsed);
  else onParsed();

  // The interface, in a shadow root so that the page's styles and ours never meet.
  const lang = (() => {
    const wanted = (script.dataset.lang || document.documentElement.lang || '').slice(0, 2).toLowerCase();
    return wanted === 'pl' || wanted === 'en' ? wanted : null;
  })();
  /** @type {Config | null} */
  let config = null;
  /** @type {ShadowRoot | null} */
  let root = null;

  function language() {
    const fallback = config ? config.defaultLanguage : 'en';
    return lang && (!config || config.languages.includes(lang)) ? lang : fallback;
  }
  /** @param {Text} text */
  const tr = (text) => text[language()];
  const ui = () => UI[language()];

  /**
   * @param {string} tag @param {Record<string, string>} [attrs] @param {(Node | string)[]} [children]
   * @returns {HTMLElement}
   */
  function h(tag, attrs = {}, children = []) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
    for (const child of children) el.append(child);
    return el;
  }
  /** @param {string} href @param {string} text */
  const link = (href, text) => h('a', { href, target: '_blank', rel: 'noopener' }, [text]);

  const STYLE = `:host{all:initial}*{box-sizing:border-box;font:14px/1.45 system-ui,sans-serif;color:#1d1d1f}
.box{position:fixed;z-index:2147483647;left:16px;right:16px;bottom:16px;max-width:720px;max-height:calc(100vh - 32px);
overflow:auto;margin:0 auto;background:#fff;border:1px solid #c9c9cf;border-radius:10px;padding:18px 20px;
box-shadow:0 8px 30px rgba(0,0,0,.18)}h2{font-size:17px;font-weight:600;margin:0 0 8px}p{margin:0 0 10px}
a{color:#0b57d0}.row{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}
.btn{flex:1 1 160px;padding:10px 14px;border:1px solid #1d1d1f;border-radius:6px;background:#1d1d1f;color:#fff;
font-weight:600;cursor:pointer}.btn:focus-visible,.reopen:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
fieldset{border:1px solid #e0e0e6;border-radius:8px;margin:10px 0;padding:10px 12px}legend{font-weight:600;padding:0 4px}
label{display:flex;gap:8px;align-items:center;font-weight:600}small,li{font-size:12.5px;color:#444}ul{margin:4px 0 0;padding-left:18px}
.reopen{position:fixed;z-index:2147483646;left:12px;bottom:12px;padding:6px 10px;border:1px solid #c9c9cf;border-radius:6px;
background:#fff;font-size:12.5px;cursor:pointer}`;

  function mount() {
    if (root) return root;
    const host = h('div', { id: 'klauzula-consent' });
    document.body.append(host);
    root = host.attachShadow({ mode: 'open' });
    return root;
  }

  /** @param {string} action @param {string} text */
  const button = (action, text) =>
    h('button', { type: 'button', class: 'btn', 'data-action': action }, [text]);

  /** @param {boolean} preferences */
  function render(preferences) {
    if (!config) return;
    const shadow = mount();
    const t = ui();
    const intro = h('p', {}, [tr(config.intro), ' ']);
    if (config.privacyPolicyUrl) intro.append(link(config.privacyPolicyUrl, t.privacy));
    const body = [h('h2', { id: 'klz-title' }, [tr(config.title)]), intro];
    if (preferences) {
      for (const category of config.categories) body.push(categoryFieldset(category));
      if (config.optOutUrls.length) {
        body.push(h('p', {}, [h('small', {}, [`${t.industry}: `])]));
        body.push(
          h(
            'ul',
            {},
            config.optOutUrls.map((url) => h('li', {}, [link(url, url)])),
          ),
        );
      }
    }
    const actions = preferences
      ? [button('accept_all', t.accept), button('reject_all', t.reject), button('custom', t.save)]
      : [button('accept_all', t.accept), button('reject_all', t.reject), button('settings', t.settings)];
    body.push(h('div', { class: 'row' }, actions));
    const box = h(
      'div',
      { class: 'box', role: 'dialog', 'aria-labelledby': 'klz-title', lang: language() },
      body,
    );
    box.dataset.layer = preferences ? 'preference_centre' : 'banner';
    box.addEventListener('click', onClick);
    shadow.replaceChildren(h('style', {}, [STYLE]), box);
    /** @type {HTMLElement | null} */ (box.querySelector('button'))?.focus();
  }

  /** @param {Category} category */
  function categoryFieldset(category) {
    const t = ui();
    const box = h('input', { type: 'checkbox', name: category.id });
    const input = /** @type {HTMLInputElement} */ (box);
    if (category.strictlyNecessary) {
      input.checked = true;
      input.disabled = true;
    } else input.checked = decidedNow() && granted.has(category.id);
    const label = h('label', {}, [box, tr(category.name)]);
    if (category.strictlyNecessary) label.append(h('small', {}, [` (${t.always})`]));
    const parts = [
      h('legend', {}, [tr(category.name)]),
      label,
      h('p', {}, [h('small', {}, [tr(category.description)])]),
    ];
    if (category.vendors.length) {
      const items = category.vendors.map((vendor) => {
        const li = h('li', {}, [`${vendor.name}: `, link(vendor.privacyUrl, t.privacy)]);
        if (vendor.optOutUrl) li.append(', ', link(vendor.optOutUrl, t.optOut));
        return li;
      });
      parts.push(h('small', {}, [t.vendors]), h('ul', {}, items));
    }
    if (category.storage.length) {
      const items = category.storage.map((entry) => {
        const life = entry.lifetimeDays === null ? t.session : `${entry.lifetimeDays} ${t.days}`;
        return h('li', {}, [`${entry.name} (${entry.storage}, ${life}): ${tr(entry.purpose)}`]);
      });
      parts.push(h('small', {}, [t.stored]), h('ul', {}, items));
    }
    return h('fieldset', { 'data-category': category.id }, parts);
  }

  let chosen = decided;
  const decidedNow = () => chosen;

  /** @param {Event} event */
  function onClick(event) {
    const target = /** @type {HTMLElement} */ (event.target);
    const action = target.closest('button')?.dataset.action;
    if (!action || !config || !root) return;
    if (action === 'settings') return render(true);
    const box = /** @type {HTMLElement} */ (root.querySelector('.box'));
    const channel = box.dataset.layer === 'preference_centre' ? 'preference_centre' : 'banner';
    /** @type {string[]} */
    let choice = [];
    if (action === 'accept_all') choice = boot.categories.slice();
    if (action === 'custom') {
      choice = boot.categories.filter(
        (c) => /** @type {HTMLInputElement | null} */ (root?.querySelector(`input[name="${c}"]`))?.checked,
      );
    }
    choose(action, channel, choice);
  }

  /** 128 random bits as 32 hex digits (crypto.randomUUID needs a secure context; this does not). */
  function newConsentId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /**
   * Applies a choice at once (storage of denied categories deleted, Consent Mode update, tags released),
   * keeps it in the consent cookie and records it in Klauzula.
   * @param {string} action @param {string} channel @param {string[]} choice
   */
  function choose(action, channel, choice) {
    if (!config) return;
    const previous = readStored();
    const visitorId = previous?.id || newConsentId();
    const withdrawnRunning = [...released].filter((c) => !choice.includes(c));
    granted = new Set(choice);
    chosen = true;
    const answered = boot.categories.slice();
    const version = config.cookiePolicyVersion;
    stored = {
      id: visitorId,
      v: version,
      a: answered,
      g: choice,
      x: action,
      c: channel,
      t: Date.now(),
      r: 0,
    };
    writeStored(stored);
    applyOnPage(true);
    showReopen();
    const sent = record(stored);
    win.dispatchEvent(new CustomEvent('klauzula:consent', { detail: { visitorId, granted: choice } }));
    // Tags already running cannot be stopped: the withdrawal takes effect on a fresh page (CM-CKE-04).
    if (withdrawnRunning.length && reloadOnWithdraw) sent.finally(() => location.reload());
  }

  /** @param {Stored} choice */
  function record(choice) {
    if (!config) return Promise.resolve();
    const body = {
      site,
      visitorId: choice.id,
      action: choice.x,
      channel: choice.c,
      granted: choice.g,
      denied: choice.a.filter((c) => !choice.g.includes(c)),
      policyVersionId: config.policyVersionId,
      cookiePolicyVersion: config.cookiePolicyVersion,
      language: language(),
    };
    return fetch(`${base}/banner/v1/consents`, {
      method: 'POST',
      credentials: 'omit',
      keepalive: true,
      headers: { 'content-type': 'application/json', 'idempotency-key': `${choice.id}:${choice.t}` },
      body: JSON.stringify(body),
    })
      .then((response) => {
        if (response.ok) {
          const now = readStored();
          if (now && now.t === choice.t) writeStored({ ...now, r: 1 });
        } else if (response.status === 409) {
          chosen = false;
          return loadConfig().then(() => render(false));
        }
      })
      .catch(() => undefined);
  }

  function showReopen() {
    const shadow = mount();
    const t = ui();
    const reopen = h('button', { type: 'button', class: 'reopen', 'data-action': 'reopen' }, [t.reopen]);
    reopen.addEventListener('click', () => render(true));
    shadow.replaceChildren(h('style', {}, [STYLE]), reopen);
  }

  function loadConfig() {
    return fetch(`${base}/banner/v1/config?site=${encodeURIComponent(site)}`, { credentials: 'omit' })
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`${response.status}`))))
      .then((/** @type {Config} */ value) => {
        config = value;
      });
  }

  const ready = new Promise((resolve) => {
    const start = () => {
      loadConfig()
        .then(() => {
          if (!config) return;
          if (config.cookiePolicyVersion !== boot.version) chosen = false;
          if (chosen) {
            showReopen();
            // A choice applied here but not yet recorded (the network failed) is sent again.
            if (stored && stored.r === 0) record(stored);
          } else render(false);
        })
        .catch(() => undefined)
        .finally(() => resolve(undefined));
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  });

  document.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest?.('[data-klauzula-open]')) {
      event.preventDefault();
      render(true);
    }
  });

  win.klauzulaConsent = {
    open: () => render(true),
    get: () => ({ visitorId: stored?.id ?? null, granted: chosen ? [...granted] : [], decided: chosen }),
    ready,
  };
})();
