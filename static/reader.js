// The reader's page script: counts the read once the page is really shown, and puts in place what of a
// shared page is this browser's own. Pages are the same for every reader, so neither is in them.
(function () {
  "use strict";

  // Run once the page is shown: not while prerendered, not while in a background tab.
  function whenShown(action) {
    if (document.prerendering) {
      document.addEventListener("prerenderingchange", function () { whenShown(action); }, { once: true });
    } else if (document.visibilityState !== "visible") {
      document.addEventListener("visibilitychange", function waitVisible() {
        if (document.visibilityState === "visible") {
          document.removeEventListener("visibilitychange", waitVisible);
          action();
        }
      });
    } else {
      action();
    }
  }

  // One request counts this browser's read (the server keeps it once per browser) and brings the fresh count.
  function countRead() {
    var reads = document.querySelector(".reads[data-count-url]");
    if (!reads) return;
    fetch(reads.dataset.countUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) reads.textContent = answer.label; })
      .catch(function () { /* the count already on the page stays */ });
  }

  // A shared page is the same for everyone; what is this browser's own (its held comments, a token for
  // the form, the newsroom's bar) comes by one request, made only when the server said, by the readable
  // "me" cookie beside the session, that there is something to ask for.
  function showOwn() {
    var url = document.body.dataset.meUrl;
    if (!url || !/(?:^|;\s*)me=1(?:;|$)/.test(document.cookie)) return;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (own) {
        if (!own) return;
        fillForm(own);
        if (own.comments) showComments(own.comments);
        if (own.bar) showBar(own.bar, own.script);
      })
      .catch(function () { /* the shared page stays as it is */ });
  }

  function fillForm(own) {
    var form = document.getElementById("comment-form");
    if (!form || !own.csrf_token) return;
    form.elements.csrf_token.value = own.csrf_token;
    form.elements.issued.value = own.issued;
  }

  // The reader's own held comments go last in the list, where they would stand once approved.
  function showComments(html) {
    var section = document.getElementById("comments");
    if (!section) return;
    var list = section.querySelector(".comment-list");
    if (!list) {
      list = document.createElement("ol");
      list.className = "comment-list";
      var empty = section.querySelector(".empty");
      if (empty) { empty.replaceWith(list); } else { section.querySelector("h2").after(list); }
    }
    list.insertAdjacentHTML("beforeend", html);
  }

  function showBar(html, script) {
    document.querySelector(".skip-link").insertAdjacentHTML("afterend", html);
    if (script) {
      var tag = document.createElement("script");
      tag.src = script;
      document.body.appendChild(tag);
    }
  }

  whenShown(countRead);
  showOwn();
})();
