// The reader's page script: counts the read once the page is really shown, and fetches the comment
// form's token when the reader starts writing. Pages are shared by every reader, so neither is in them.
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

  // The token and timing stamp arrive when the reader first touches the form; without them the
  // server returns the form with its text and a token ("send it again"), so nothing typed is lost.
  function fetchTokenOnWriting() {
    var form = document.getElementById("comment-form");
    if (!form || !form.dataset.tokenUrl || form.elements.csrf_token.value) return;
    var arriving = null;
    function fetchToken() {
      if (!arriving) {
        arriving = fetch(form.dataset.tokenUrl, { credentials: "same-origin", cache: "no-store" })
          .then(function (response) { return response.json(); })
          .then(function (answer) {
            form.elements.csrf_token.value = answer.csrf_token;
            form.elements.issued.value = answer.issued;
          })
          .catch(function () { arriving = null; });
      }
      return arriving;
    }
    form.addEventListener("focusin", fetchToken);
    form.addEventListener("input", fetchToken);
    // Sent before the token came: wait for it, then send (or send without, and the server asks again).
    form.addEventListener("submit", function (event) {
      if (form.elements.csrf_token.value) return;
      event.preventDefault();
      var send = function () { form.submit(); };
      fetchToken().then(send, send);
    });
  }

  whenShown(countRead);
  fetchTokenOnWriting();
})();
