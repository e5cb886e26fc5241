// The newsroom's script. On the article form: tag suggestions while typing, a draft kept in this
// browser as the editor types, and counters that show the limits before sending. On every newsroom
// page: signing out forgets that account's drafts, so the next person at this browser finds none.
(function () {
  "use strict";
  var PREFIX = "ledger-draft:";
  var TEXT_FIELDS = ["title", "slug", "category", "tags", "summary", "body", "published_at"];

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }  // off in some private modes
  }

  function forgetDrafts(account) {
    var store = storage();
    if (!store) { return; }
    var prefix = PREFIX + account + ":";
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var key = store.key(i);
      if (key && key.indexOf(prefix) === 0) { store.removeItem(key); }
    }
  }

  var signOut = document.getElementById("sign-out");
  if (signOut) {
    signOut.addEventListener("submit", function () { forgetDrafts(signOut.dataset.account); });
  }

  var form = document.getElementById("article-form");
  if (!form) { return; }

  // --- Tag suggestions: ask the server for fresh ones, and add one to the tags field on click.
  var body = form.querySelector("[name=body]");
  var tags = form.querySelector("[name=tags]");
  var box = document.getElementById("tag-suggestions");
  var token = form.querySelector("[name=csrf_token]").value;
  var timer = null;

  function currentTags() {
    return tags.value.split(",").map(function (t) { return t.trim().toLowerCase(); }).filter(Boolean);
  }

  function addTag(tag) {
    var existing = tags.value.trim().replace(/,\s*$/, "");
    tags.value = existing ? existing + ", " + tag : tag;
    tags.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function show(suggestions) {
    var taken = currentTags();
    box.textContent = "";
    suggestions = suggestions.filter(function (t) { return taken.indexOf(t.toLowerCase()) === -1; });
    if (!suggestions.length) { return; }
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = "Suggested tags (click to add):";
    var list = document.createElement("ul");
    suggestions.forEach(function (tag) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "tag-suggestion";
      button.dataset.tag = tag;
      button.textContent = tag;
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(hint);
    box.appendChild(list);
  }

  function refresh() {
    fetch(form.dataset.suggestUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ body: body.value, tags: tags.value })
    }).then(function (response) {
      return response.ok ? response.json() : { suggestions: [] };
    }).then(function (data) { show(data.suggestions || []); }).catch(function () {});
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  }

  box.addEventListener("click", function (event) {
    var button = event.target.closest(".tag-suggestion");
    if (!button) { return; }
    addTag(button.dataset.tag);
    button.parentNode.remove();
    if (!box.querySelector(".tag-suggestion")) { box.textContent = ""; }
  });
  body.addEventListener("input", later);
  tags.addEventListener("input", later);

  // --- Counters: characters of the title and summary, and the size of what Save will send.
  function describedBy(field, id) {
    var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    ids.push(id);
    field.setAttribute("aria-describedby", ids.join(" "));
  }

  function addCounter(field, update) {
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.id = field.id + "-count";
    field.parentNode.appendChild(counter);
    describedBy(field, counter.id);
    function run() { update(counter); }
    field.addEventListener("input", run);
    run();
    return run;
  }

  function characterCounter(field) {
    var limit = parseInt(field.dataset.limit, 10);
    return addCounter(field, function (counter) {
      var length = Array.from(field.value.trim()).length;  // code points, as the server counts
      var over = length - limit;
      counter.textContent = length + " of " + limit + " characters" + (over > 0 ? ": " + over + " too many" : "");
      counter.classList.toggle("over", over > 0);
    });
  }

  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  function kilobytes(bytes) { return Math.ceil(bytes / 1024) + " KB"; }

  var counters = Array.prototype.map.call(form.querySelectorAll("[data-limit]"), characterCounter);
  counters.push(addCounter(body, function (counter) {
    // Exactly what the browser will send: the whole form, URL-encoded.
    var size = new URLSearchParams(new FormData(form)).toString().length;
    var over = size > maxBytes;
    counter.textContent = "Size: " + kilobytes(size) + " of the " + kilobytes(maxBytes) + " a form can send" +
      (over ? ". Shorten it before saving." : "");
    counter.classList.toggle("over", over);
  }));

  // --- The draft in this browser, keyed by account and article.
  var store = storage();
  var account = form.dataset.account;
  var draftKey = PREFIX + account + ":" + form.dataset.article;
  var offer = document.getElementById("draft-offer");
  var offered = null;
  var saveTimer = null;

  function statusRadios() { return Array.prototype.slice.call(form.querySelectorAll("[name=status]")); }

  function values() {
    var fields = {};
    TEXT_FIELDS.forEach(function (name) { fields[name] = form.elements[name].value; });
    var checked = statusRadios().filter(function (radio) { return radio.checked; })[0];
    fields.status = checked ? checked.value : "";
    return fields;
  }

  function fill(fields) {
    TEXT_FIELDS.forEach(function (name) {
      if (typeof fields[name] === "string") { form.elements[name].value = fields[name]; }
    });
    statusRadios().forEach(function (radio) { radio.checked = radio.value === fields.status; });
    counters.forEach(function (run) { run(); });
    later();
  }

  function comparable(value) { return String(value || "").replace(/\r\n/g, "\n").trim(); }

  function sameFields(a, b) {
    return TEXT_FIELDS.concat(["status"]).every(function (name) { return comparable(a[name]) === comparable(b[name]); });
  }

  function readDraft() {
    try { return JSON.parse(store.getItem(draftKey) || "null"); } catch (error) { return null; }
  }

  function saveDraft() {
    clearTimeout(saveTimer);
    saveTimer = null;
    try {
      store.setItem(draftKey, JSON.stringify({ fields: values(), savedAt: new Date().toISOString() }));
    } catch (error) { /* storage full or off: the server copy is all there is */ }
  }

  function saveSoon() {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 300);
  }

  function closeOffer() {
    offer.hidden = true;
    offered = null;
  }

  if (store) {
    if (form.dataset.savedDraft) {  // the page after a save: those drafts are in the database now
      store.removeItem(PREFIX + account + ":" + form.dataset.savedDraft);
      store.removeItem(draftKey);
    }
    var draft = readDraft();
    if (draft && draft.fields && !sameFields(draft.fields, values())) {
      offered = draft.fields;  // kept here too, so typing first does not lose it
      offer.hidden = false;
    }
    document.getElementById("draft-restore").addEventListener("click", function () {
      if (offered) { fill(offered); }
      closeOffer();
      saveDraft();
      form.elements.title.focus();
    });
    document.getElementById("draft-discard").addEventListener("click", function () {
      store.removeItem(draftKey);
      closeOffer();
      form.elements.title.focus();
    });
    form.addEventListener("input", saveSoon);
    form.addEventListener("change", saveSoon);
    form.addEventListener("submit", saveDraft);  // what is sent is kept until a save succeeds
    window.addEventListener("pagehide", function () { if (saveTimer) { saveDraft(); } });
  }
})();
