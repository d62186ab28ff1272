import type { BannerConfig } from './consent-rules.ts';

/** JSON safe inside an inline <script>: no `</script>`, no HTML comment openers. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A page of an operator's website with the banner embedded and, for every category that needs consent, a
 * blocked tag (`type="text/plain" data-category=…`) that writes what the policy's cookie register declares
 * for that category — cookies, Local and Session Storage, IndexedDB — once it is released. A panel shows
 * what the browser holds and what `dataLayer` received, so the banner's effect can be watched.
 */
export function renderDemoPage(options: {
  bannerSrc: string;
  config: BannerConfig;
  lang: 'pl' | 'en';
}): string {
  const { config, lang } = options;
  const tags = config.categories
    .filter((category) => !category.strictlyNecessary)
    .map((category) => {
      const writes = category.storage.map((entry) => ({
        name: entry.name.endsWith('*') ? `${entry.name.slice(0, -1)}demo` : entry.name,
        storage: entry.storage,
        days: entry.lifetimeDays,
      }));
      return `<script type="text/plain" data-category="${escapeHtml(category.id)}">
(function () {
  var category = ${scriptJson(category.id)};
  ${scriptJson(writes)}.forEach(function (w) {
    var value = category + '-' + Date.now();
    if (w.storage === 'cookie') {
      document.cookie = w.name + '=' + value + '; path=/; SameSite=Lax' + (w.days ? '; max-age=' + w.days * 86400 : '');
    } else if (w.storage === 'local_storage') localStorage.setItem(w.name, value);
    else if (w.storage === 'session_storage') sessionStorage.setItem(w.name, value);
    else if (w.storage === 'indexeddb') {
      var open = indexedDB.open(w.name, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore('events', { autoIncrement: true }); };
      open.onsuccess = function () {
        var tx = open.result.transaction('events', 'readwrite');
        tx.objectStore('events').add({ category: category, at: value });
        tx.oncomplete = function () { open.result.close(); };
      };
    }
  });
  (window.klauzulaDemoRan = window.klauzulaDemoRan || []).push(category);
})();
</script>`;
    })
    .join('\n');
  const necessary = config.categories.find((category) => category.strictlyNecessary);
  const necessaryTag = necessary
    ? `<script type="text/plain" data-category="${escapeHtml(necessary.id)}">
(window.klauzulaDemoNecessaryRan = true);
</script>`
    : '';
  const title = lang === 'pl' ? 'Demo banera cookies' : 'Cookie banner demo';
  const settings = lang === 'pl' ? 'Ustawienia cookies' : 'Cookie settings';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<script src="${escapeHtml(options.bannerSrc)}" data-site="${escapeHtml(config.site)}"></script>
${tags}
${necessaryTag}
<script type="text/plain" data-category="undeclared_category">(window.klauzulaDemoUndeclaredRan = true);</script>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f6;padding:1rem;white-space:pre-wrap}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p><a href="#" data-klauzula-open>${escapeHtml(settings)}</a></p>
<pre id="storage"></pre>
<script>
(function () {
  function show() {
    var dbs = indexedDB.databases ? indexedDB.databases() : Promise.resolve([]);
    dbs.then(function (list) {
      document.getElementById('storage').textContent = JSON.stringify({
        cookies: document.cookie ? document.cookie.split('; ').map(function (c) { return c.split('=')[0]; }) : [],
        localStorage: Object.keys(localStorage),
        sessionStorage: Object.keys(sessionStorage),
        indexedDB: list.map(function (d) { return d.name; }),
        tagsRun: window.klauzulaDemoRan || [],
        dataLayer: (window.dataLayer || []).map(function (e) { return Array.prototype.slice.call(e); })
      }, null, 2);
    });
  }
  show();
  setInterval(show, 1000);
})();
</script>
</body>
</html>
`;
}
