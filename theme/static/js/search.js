// Search with Pagefind's own API, served from this site (no third-party request, no inline script).
// Post text is untrusted: every result is built from text nodes, and Pagefind's <mark> around the
// words found is the only element made from an excerpt.
"use strict";

const PAGE = 10; // results shown at once, before "More results"

window.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("search");
  if (!form) return;
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const more = document.getElementById("search-more");
  // A large archive's index comes in shards (one per ending of the post id), each searched on
  // its own and the results merged here: Pagefind's own merge orders by score, and sorted by
  // date a score is only a place in one shard. Each shard loads its own copy of Pagefind, for
  // one copy holds one WebAssembly instance, and a second index started in it breaks the first.
  let shards;
  try {
    shards = await Promise.all(form.dataset.bundles.split(" ").map(async (path) => {
      const pagefind = await import(path + "pagefind.js");
      return pagefind.createInstance({ basePath: path, baseUrl: form.dataset.base, noWorker: true });
    }));
    await fillFilters(form, await Promise.all(shards.map((shard) => shard.filters())));
  } catch {
    status.textContent = "The search index could not be loaded.";
    return;
  }
  form.hidden = false;
  let latest = 0; // the search whose results are shown: an older one that ends late is dropped
  let next = null; // the next result of the search shown, loaded
  let total = 0; // its results, and how many of them are shown
  let shown = 0;

  async function show() {
    const mine = latest;
    more.hidden = true; // pressed once: a second press would take the same results again
    const added = [];
    for (let i = 0; i < PAGE; i++) {
      const data = await next();
      if (mine !== latest) return;
      if (!data) break;
      added.push(result(data));
    }
    list.append(...added);
    shown += added.length;
    more.hidden = shown >= total;
  }

  async function run() {
    const query = new URLSearchParams(new FormData(form));
    for (const [key, value] of [...query]) if (!value) query.delete(key);
    history.replaceState(null, "", query.toString() ? "?" + query : location.pathname);
    const term = form.q.value.trim();
    const filters = {};
    for (const select of form.querySelectorAll("[data-filter]")) {
      if (select.value) filters[select.dataset.filter] = select.value;
    }
    list.replaceChildren();
    more.hidden = true;
    if (!term && !Object.keys(filters).length) {
      latest++;
      status.textContent = "";
      return;
    }
    const mine = ++latest;
    const sort = form.sort.value ? { date: form.sort.value } : undefined;
    const found = await Promise.all(shards.map((shard) => shard.search(term || null, { filters, sort })));
    if (mine !== latest) return;
    const lists = found.map((f) => f.results);
    total = lists.reduce((sum, results) => sum + results.length, 0);
    shown = 0;
    status.textContent = `${total} post${total === 1 ? "" : "s"}` + (term ? ` for “${term}”` : "");
    next = sort ? byDate(lists, sort.date === "desc") : byScore(lists);
    await show();
  }

  const params = new URLSearchParams(location.search);
  for (const field of form.elements) {
    if (field.name && params.has(field.name)) field.value = params.get(field.name);
  }
  let typing;
  form.addEventListener("input", (event) => {
    clearTimeout(typing);
    typing = setTimeout(run, event.target === form.q ? 250 : 0);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    run();
  });
  more.addEventListener("click", show);
  if (location.search) run();
});

// Each shard's values and counts summed into its select, years newest first, the rest by name.
async function fillFilters(form, counts) {
  for (const select of form.querySelectorAll("[data-filter]")) {
    const name = select.dataset.filter;
    const total = new Map();
    for (const shard of counts) {
      for (const [value, n] of Object.entries(shard[name] || {})) total.set(value, (total.get(value) || 0) + n);
    }
    const values = [...total.keys()].sort((a, b) => a.localeCompare(b));
    if (name === "year") values.reverse();
    for (const value of values) {
      select.append(new Option(`${value} (${total.get(value)})`, value));
    }
  }
}

// Results by relevance: the shards' scores compare, as in Pagefind's own merge.
function byScore(lists) {
  const all = lists.flat().sort((a, b) => b.score - a.score);
  let at = 0;
  return async () => (at < all.length ? all[at++].data() : null);
}

// Results by date: each shard's are in order already, so the next one is the newest (or oldest)
// of the shards' first results; only those are loaded ahead.
function byDate(lists, newest) {
  const at = lists.map(() => 0);
  const heads = lists.map((results) => (results.length ? results[0].data() : null));
  return async () => {
    const datas = await Promise.all(heads);
    let pick = -1;
    datas.forEach((data, i) => {
      if (!data) return;
      const date = data.meta.date;
      if (pick < 0 || (newest ? date > datas[pick].meta.date : date < datas[pick].meta.date)) pick = i;
    });
    if (pick < 0) return null;
    at[pick] += 1;
    heads[pick] = at[pick] < lists[pick].length ? lists[pick][at[pick]].data() : null;
    return datas[pick];
  };
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// One result: the post's text as its title, its account and date, and the words found in it.
function result(data) {
  const item = element("li", "result");
  const title = element("h2");
  const link = element("a");
  link.href = data.url;
  link.append(element("bdi", "", data.meta.title));
  title.append(link);
  const meta = element("p", "meta");
  const when = element("time", "", data.meta.date.slice(0, 10));
  when.dateTime = data.meta.date;
  meta.append(element("span", "who", "@" + data.meta.account), " ", when);
  const excerpt = element("p", "excerpt");
  excerpt.dir = "auto";
  // Pagefind's excerpt is the page's text with <mark> around the words found, and nothing else
  // made markup: split on those tags, every other character is text.
  data.excerpt.split(/(<mark>|<\/mark>)/).reduce((marked, part) => {
    if (part === "<mark>" || part === "</mark>") return part === "<mark>";
    if (part) excerpt.append(marked ? element("mark", "", part) : document.createTextNode(part));
    return marked;
  }, false);
  item.append(title, meta, excerpt);
  return item;
}
